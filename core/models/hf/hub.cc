#include "core/models/hf/hub.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace photoidx::models::hf {
namespace {

namespace fs = std::filesystem;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

bool IsCommitHash(const std::string& s) {
  return s.size() == 40 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

bool LooksLikePath(std::string_view s) {
  return s.front() == '/' || s.front() == '.' || s.front() == '~' || s.back() == '/' ||
         s.find('\\') != std::string_view::npos || std::count(s.begin(), s.end(), '/') > 1;
}

bool HasFiles(const fs::path& dir, const std::vector<std::string>& files,
              std::vector<std::string>* missing) {
  std::error_code ec;
  for (const std::string& f : files) {
    // exists() follows the cache's symlinks into blobs/: a dangling link is missing.
    if (!fs::exists(dir / f, ec)) missing->push_back(f);
  }
  return missing->empty();
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The snapshot folder options.revision points at, or why there is none.
Result<fs::path> FindSnapshot(const fs::path& repo_dir, const std::string& revision) {
  std::error_code ec;
  const fs::path snapshots = repo_dir / "snapshots";
  if (!fs::is_directory(snapshots, ec)) return Status::NotFound("no " + snapshots.string());
  if (IsCommitHash(revision)) return snapshots / revision;
  std::ifstream ref(repo_dir / "refs" / revision);
  std::string commit;
  if (ref && std::getline(ref, commit) && !Trim(commit).empty()) {
    return snapshots / Trim(commit);
  }
  // No ref: the only snapshot, else the most recently written one.
  std::optional<fs::path> best;
  fs::file_time_type best_time;
  for (const fs::directory_entry& e : fs::directory_iterator(snapshots, ec)) {
    if (!e.is_directory(ec)) continue;
    fs::file_time_type t = e.last_write_time(ec);
    if (!best || t > best_time) {
      best = e.path();
      best_time = t;
    }
  }
  if (!best) return Status::NotFound("no snapshot in " + snapshots.string());
  return *best;
}

Status MissingModel(const std::string& repo_id, const HubOptions& o,
                    const std::vector<std::string>& files,
                    const std::vector<std::string>& optional_files, const std::string& why) {
  const std::string repo_dir = (fs::path(o.hub_cache) / RepoFolderName(repo_id)).string();
  std::string msg = "model not found in the Hugging Face cache";
  if (o.hub_cache.empty()) msg += " (no cache folder: set HF_HUB_CACHE or HF_HOME)";
  else msg += " " + o.hub_cache + " (" + why + ")";
  msg += ". Download " + Join(files);
  if (!optional_files.empty()) {
    msg += " (and " + Join(optional_files) + " where the repository has them)";
  }
  msg += " from " + o.endpoint + "/" + repo_id + "/resolve/" + o.revision + "/<file>";
  if (!o.hub_cache.empty()) {
    msg += " into " + repo_dir + "/snapshots/<commit>/ and write <commit> into " + repo_dir +
           "/refs/" + o.revision + " (huggingface-cli download " + repo_id;
    for (const std::string& f : files) msg += " " + f;
    msg += " does that)";
  }
  msg += ", or pass a local folder that holds them";
  if (o.offline) msg += ". HF_HUB_OFFLINE is set: nothing is downloaded";
  else if (o.downloader == nullptr) msg += ". This build does not download models";
  return Status::NotFound(repo_id, msg);
}

}  // namespace

HubOptions HubOptionsFromVariables(
    const std::function<std::optional<std::string>(const char* name)>& lookup) {
  auto get = [&](const char* name) -> std::string {
    std::optional<std::string> v = lookup(name);
    return v ? *v : std::string();
  };
  const std::string home = get("HOME");
  auto expand = [&](std::string p) {  // os.path.expanduser for "~" and "~/..."
    if (!home.empty() && !p.empty() && p[0] == '~' && (p.size() == 1 || p[1] == '/')) {
      p = home + p.substr(1);
    }
    return p;
  };
  HubOptions o;
  if (std::string v = get("HF_HUB_CACHE"); !v.empty()) o.hub_cache = expand(v);
  else if (std::string l = get("HUGGINGFACE_HUB_CACHE"); !l.empty()) o.hub_cache = expand(l);
  else if (std::string h = get("HF_HOME"); !h.empty()) o.hub_cache = expand(h) + "/hub";
  else if (std::string x = get("XDG_CACHE_HOME"); !x.empty()) o.hub_cache = expand(x) + "/huggingface/hub";
  else if (!home.empty()) o.hub_cache = home + "/.cache/huggingface/hub";
  const std::string offline = Lower(Trim(get("HF_HUB_OFFLINE")));
  o.offline = offline == "1" || offline == "true" || offline == "yes" || offline == "on";
  if (std::string e = Trim(get("HF_ENDPOINT")); !e.empty()) {
    while (!e.empty() && e.back() == '/') e.pop_back();
    o.endpoint = e;
  }
  o.token = get("HF_TOKEN");
  if (o.token.empty()) o.token = get("HUGGING_FACE_HUB_TOKEN");
  return o;
}

HubOptions HubOptionsFromEnvironment() {
  return HubOptionsFromVariables([](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  });
}

std::string RepoFolderName(std::string_view repo_id) {
  std::string out = "models--";
  for (char c : repo_id) {
    if (c == '/') out += "--";
    else out += c;
  }
  return out;
}

bool IsValidRepoId(std::string_view s) {
  if (s.empty() || s.size() > 200 || std::count(s.begin(), s.end(), '/') > 1) return false;
  if (s.find("..") != std::string_view::npos || s.find("--") != std::string_view::npos) {
    return false;
  }
  size_t slash = s.find('/');
  for (std::string_view part : {s.substr(0, slash), slash == std::string_view::npos
                                                        ? std::string_view()
                                                        : s.substr(slash + 1)}) {
    if (slash != std::string_view::npos && part.empty()) return false;
    if (part.empty()) continue;
    if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.') {
      return false;
    }
    for (unsigned char c : part) {
      if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
    }
  }
  return true;
}

Result<std::string> ResolveModelDir(std::string_view name_or_path, const HubOptions& options,
                                    const std::vector<std::string>& required_files,
                                    const std::vector<std::string>& optional_files) {
  if (name_or_path.empty()) return Status::InvalidArgument("model", "empty model name");
  const std::string name(name_or_path);
  std::error_code ec;
  if (fs::is_directory(name, ec)) return name;
  if (LooksLikePath(name_or_path)) return Status::NotFound(name, "no such model folder");
  if (!IsValidRepoId(name_or_path)) {
    return Status::InvalidArgument(name, "neither a model folder nor a Hugging Face id (org/name)");
  }
  std::string why = "not downloaded";
  if (!options.hub_cache.empty()) {
    const fs::path repo_dir = fs::path(options.hub_cache) / RepoFolderName(name);
    Result<fs::path> snap = FindSnapshot(repo_dir, options.revision);
    std::vector<std::string> missing;
    if (snap.ok() && HasFiles(*snap, required_files, &missing)) return snap->string();
    why = snap.ok() ? snap->string() + " lacks " + Join(missing) : snap.status().message();
  }
  if (options.downloader != nullptr && !options.offline) {
    Result<std::string> got = options.downloader->Download(name, options.revision, required_files,
                                                           optional_files, options);
    if (!got.ok()) return got.status();
    std::vector<std::string> missing;
    if (HasFiles(*got, required_files, &missing)) return got;
    return Status::NotFound(name, "download incomplete: " + *got + " lacks " + Join(missing));
  }
  return MissingModel(name, options, required_files, optional_files, why);
}

}  // namespace photoidx::models::hf
