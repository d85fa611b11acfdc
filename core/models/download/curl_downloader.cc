// CurlDownloader: the per-file loop over HttpClient + BlobWriter, and the
// messages for each way a download fails (see curl_downloader.h).
#include "core/models/download/curl_downloader.h"

#include <filesystem>
#include <memory>

#include "core/models/download/http_fetch_internal.h"
#include "core/models/download/hub_cache_writer_internal.h"

namespace photoidx::models::download {
namespace {

namespace fs = std::filesystem;
using internal::FetchResult;
using internal::ResponseHeaders;

// One file of one repository, as asked for.
struct FileRequest {
  const std::string* repo_id;
  const std::string* revision;  // what the hub is asked for (the commit after the first file)
  const std::string* wanted;    // the revision the caller gave
  const std::string* file;
  bool required;
  bool need_commit;  // the commit is not known yet
};

// What fetching one file gave.
struct Fetched {
  bool absent = false;  // an optional file the repository does not have
  std::string blob;
  std::string commit;  // X-Repo-Commit, "" when the hub sent none
};

std::string ResolveUrl(const hf::HubOptions& hub, const FileRequest& rq) {
  return hub.endpoint + "/" + *rq.repo_id + "/resolve/" +
         internal::UrlEncode(*rq.revision, false) + "/" + internal::UrlEncode(*rq.file, true);
}

// The Status for a final response other than 200.
Status HttpError(const hf::HubOptions& hub, const FileRequest& rq, const ResponseHeaders& r) {
  std::string why = *rq.file + ": download from " + hub.endpoint + ": HTTP " +
                    std::to_string(r.status);
  if (r.status == 401 || r.status == 403) {
    why += hub.token.empty()
               ? ": the repository is gated or private (or does not exist): set HF_TOKEN to an "
                 "access token that can read it"
               : ": HF_TOKEN was sent but does not give access (gated or private repository, "
                 "or no such repository)";
  } else if (r.status == 404) {
    if (r.error_code == "RepoNotFound") why += ": repository not found";
    else if (r.error_code == "RevisionNotFound") why += ": revision " + *rq.wanted + " not found";
    else why += ": file not found in the repository at revision " + *rq.wanted;
  }
  if (!r.error_message.empty()) why += " (" + r.error_message + ")";
  if (r.status == 401 || r.status == 403 || r.status == 404) {
    return Status::NotFound(*rq.repo_id, why);
  }
  return Status::IOError(*rq.repo_id, why);
}

Result<Fetched> FetchFile(internal::HttpClient& client, const hf::HubOptions& hub,
                          const internal::FetchOptions& fetch, const ProgressFn& progress,
                          const fs::path& blobs_dir, const FileRequest& rq) {
  internal::BlobWriter writer(blobs_dir, *rq.file, rq.need_commit, &progress);
  FetchResult r = client.Fetch(ResolveUrl(hub, rq), fetch, &writer);
  const std::string context = *rq.repo_id + ": " + *rq.file;
  if (!r.status.ok()) return r.status.WithContext(context);
  if (r.chain.empty()) return Status::IOError(*rq.repo_id, *rq.file + ": no HTTP response");
  const ResponseHeaders& last = r.chain.back();
  Fetched out;
  if (!r.skipped && last.status == 404 && !rq.required) {
    out.absent = true;
    return out;
  }
  if (!r.skipped && last.status != 200) return HttpError(hub, rq, last);
  Result<std::string> blob = writer.Finish();
  if (!blob.ok()) return blob.status().WithContext(context);
  out.blob = *blob;
  out.commit = writer.commit();
  return out;
}

Status CheckRequest(const std::string& repo_id, const std::string& revision,
                    const std::vector<std::string>& files,
                    const std::vector<std::string>& optional_files, const hf::HubOptions& hub) {
  if (hub.hub_cache.empty()) {
    return Status::InvalidArgument(repo_id, "no Hugging Face cache folder to download into: set "
                                            "HF_HUB_CACHE or HF_HOME");
  }
  if (!hf::IsValidRepoId(repo_id)) return Status::InvalidArgument(repo_id, "not a repository id");
  if (!internal::IsSafeRelativePath(revision)) {
    return Status::InvalidArgument(repo_id, "invalid revision: " + revision);
  }
  for (const auto* list : {&files, &optional_files}) {
    for (const std::string& f : *list) {
      if (!internal::IsSafeRelativePath(f)) {
        return Status::InvalidArgument(repo_id, "invalid file name: " + f);
      }
    }
  }
  return Status::OK();
}

}  // namespace

CurlDownloader::CurlDownloader(CurlDownloaderOptions options) : options_(std::move(options)) {
  if (options_.user_agent.empty()) {
    options_.user_agent = std::string("photoidx/") + PHOTOIDX_VERSION;
  }
}

Result<std::string> CurlDownloader::Download(const std::string& repo_id,
                                             const std::string& revision,
                                             const std::vector<std::string>& files,
                                             const std::vector<std::string>& optional_files,
                                             const hf::HubOptions& hub) {
  PHOTOIDX_RETURN_IF_ERROR(CheckRequest(repo_id, revision, files, optional_files, hub));
  std::unique_ptr<internal::HttpClient> client;
  PHOTOIDX_RETURN_IF_ERROR(internal::HttpClient::Create(&client));
  const fs::path repo_dir = fs::path(hub.hub_cache) / hf::RepoFolderName(repo_id);
  std::error_code ec;
  fs::create_directories(repo_dir / "blobs", ec);
  if (ec) return Status::IOError((repo_dir / "blobs").string(), "cannot create: " + ec.message());

  internal::FetchOptions fetch;
  fetch.token = hub.token;
  fetch.user_agent = options_.user_agent;
  fetch.connect_timeout_s = options_.connect_timeout_s;
  fetch.low_speed_bytes = options_.low_speed_bytes;
  fetch.low_speed_time_s = options_.low_speed_time_s;
  fetch.interrupted = options_.interrupted;

  // A branch or tag is asked for once; then its commit, so that a push
  // between two files cannot mix two versions of the model.
  std::string commit = internal::IsCommitHash(revision) ? revision : "";
  std::string asked = revision;
  for (const auto* list : {&files, &optional_files}) {
    for (const std::string& file : *list) {
      const FileRequest rq{&repo_id, &asked, &revision, &file, list == &files, commit.empty()};
      PHOTOIDX_ASSIGN_OR_RETURN(
          Fetched got, FetchFile(*client, hub, fetch, options_.progress, repo_dir / "blobs", rq));
      if (got.absent) continue;
      if (commit.empty()) asked = commit = got.commit;
      PHOTOIDX_RETURN_IF_ERROR(internal::LinkSnapshotFile(repo_dir, commit, file, got.blob));
    }
  }
  if (commit.empty()) return Status::NotFound(repo_id, "none of the files exist");
  if (revision != commit) PHOTOIDX_RETURN_IF_ERROR(internal::WriteRef(repo_dir, revision, commit));
  return (repo_dir / "snapshots" / commit).string();
}

}  // namespace photoidx::models::download
