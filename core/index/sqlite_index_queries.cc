// SqliteIndexStore: the read-side queries of search and stats.
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/index/sqlite_index_statements_internal.h"
#include "core/index/sqlite_index_store_internal.h"
#include "core/index/sqlite_util_internal.h"

namespace photoidx::index::internal {
namespace {

// Turns free text into an FTS5 query matching every word: each
// whitespace-separated word becomes a quoted string (quotes doubled), so
// user input never reaches the query syntax ("dog's" or "AND" are words).
std::string QuoteWords(std::string_view words) {
  std::string query;
  size_t i = 0;
  while (i < words.size()) {
    while (i < words.size() && std::isspace(static_cast<unsigned char>(words[i]))) ++i;
    size_t start = i;
    while (i < words.size() && !std::isspace(static_cast<unsigned char>(words[i]))) ++i;
    if (i == start) break;
    if (!query.empty()) query += ' ';
    query += '"';
    for (char c : words.substr(start, i - start)) {
      query += c;
      if (c == '"') query += '"';
    }
    query += '"';
  }
  return query;
}

}  // namespace

Status SqliteIndexStore::ScanEmbeddings(std::string_view model, const EmbeddingVisitor& visit) {
  try {
    PHOTOIDX_ASSIGN_OR_RETURN(ModelEntry m, FindModel(model));
    return ScanModel(st_->load_embeddings, m, model, visit);
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("loading embeddings"));
  }
}

Status SqliteIndexStore::ScanStoredEmbeddings(std::string_view model,
                                              const EmbeddingVisitor& visit) {
  try {
    PHOTOIDX_ASSIGN_OR_RETURN(ModelEntry m, FindModel(model));
    return ScanModel(st_->stored_embeddings, m, model, visit);
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("loading embeddings"));
  }
}

Result<std::unordered_set<std::string>> SqliteIndexStore::ContentHashes() {
  std::unordered_set<std::string> out;
  try {
    SQLite::Statement& st = st_->content_hashes;
    StatementScope scope(st);
    while (st.executeStep()) out.insert(st.getColumn(0).getString());
    return out;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("listing contents"));
  }
}

Result<std::unordered_set<std::string>> SqliteIndexStore::ContentsWithResults(
    std::string_view model, ResultKind kind) {
  std::unordered_set<std::string> out;
  try {
    Result<ModelEntry> m = FindModel(model);
    if (!m.ok()) return out;  // an unknown model has no results
    SQLite::Statement& st =
        kind == ResultKind::kEmbedding ? st_->embedded_contents : st_->captioned_contents;
    StatementScope scope(st);
    st.bind(1, m->id);
    while (st.executeStep()) out.insert(st.getColumn(0).getString());
    return out;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("listing results of " + std::string(model)));
  }
}

Result<int64_t> SqliteIndexStore::VectorsVersion(std::string_view model) {
  try {
    PHOTOIDX_ASSIGN_OR_RETURN(ModelEntry m, FindModel(model));
    SQLite::Statement& st = st_->vectors_version;
    StatementScope scope(st);
    st.bind(1, m.id);
    if (!st.executeStep()) {
      return Status::NotFound(Context("model " + std::string(model)), "not registered");
    }
    return st.getColumn(0).getInt64();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("reading the vectors version"));
  }
}

Status SqliteIndexStore::ScanModel(SQLite::Statement& st, const ModelEntry& m,
                                   std::string_view model, const EmbeddingVisitor& visit) {
  const size_t dim = static_cast<size_t>(m.dim);
  const int row_bytes = m.dim * static_cast<int>(sizeof(float));
  std::vector<float> scratch(dim);
  StatementScope scope(st);
  st.bind(1, m.id);
  while (st.executeStep()) {
    SQLite::Column vec = st.getColumn(1);
    if (vec.getBytes() != row_bytes) {
      return Status::Corruption(Context("embeddings of " + std::string(model)),
                                "a vector has " + std::to_string(vec.getBytes()) +
                                    " bytes, expected " + std::to_string(row_bytes));
    }
    const void* blob = vec.getBlob();
    const float* row = static_cast<const float*>(blob);
    // A blob inside a page is not always float-aligned: copy those.
    if (reinterpret_cast<uintptr_t>(blob) % alignof(float) != 0) {
      std::memcpy(scratch.data(), blob, static_cast<size_t>(row_bytes));
      row = scratch.data();
    }
    SQLite::Column sha = st.getColumn(0);
    std::string_view hash(static_cast<const char*>(sha.getBlob()),
                          static_cast<size_t>(sha.getBytes()));
    visit(hash, std::span<const float>(row, dim));
  }
  return Status::OK();
}

Result<EmbeddingMatrix> SqliteIndexStore::LoadEmbeddings(std::string_view model) {
  try {
    PHOTOIDX_ASSIGN_OR_RETURN(ModelEntry m, FindModel(model));
    EmbeddingMatrix out;
    out.dim = m.dim;
    {
      // At most one row per present file: one allocation. (Counting the
      // embeddings instead would read every vector page once more.)
      SQLite::Statement& count = st_->count_present;
      StatementScope scope(count);
      if (count.executeStep()) {
        size_t bound = static_cast<size_t>(count.getColumn(0).getInt64());
        out.sha256.reserve(bound);
        out.data.reserve(bound * static_cast<size_t>(m.dim));
      }
    }
    PHOTOIDX_RETURN_IF_ERROR(
        ScanModel(st_->load_embeddings, m, model,
                  [&out](std::string_view sha256, std::span<const float> v) {
          out.sha256.emplace_back(sha256);
          out.data.insert(out.data.end(), v.begin(), v.end());
        }));
    return out;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("loading embeddings"));
  }
}

Result<std::vector<PhotoRow>> SqliteIndexStore::LookupPhotos(
    const std::vector<std::string>& sha256, std::string_view caption_model) {
  try {
    std::optional<int64_t> caption_id;
    if (!caption_model.empty()) {
      Result<ModelEntry> m = FindModel(caption_model);
      if (m.ok()) caption_id = m->id;  // unknown model: no captions, not an error
    }
    std::vector<PhotoRow> rows;
    for (const std::string& hash : sha256) {
      PhotoRow photo;
      photo.sha256 = hash;
      {
        SQLite::Statement& st = st_->present_paths;
        StatementScope scope(st);
        BindText(st, 1, hash);
        while (st.executeStep()) photo.paths.push_back(ColumnBytes(st.getColumn(0)));
      }
      if (photo.paths.empty()) continue;
      PHOTOIDX_RETURN_IF_ERROR(FillPhotoRow(photo, caption_id));
      rows.push_back(std::move(photo));
    }
    return rows;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("looking up photos"));
  }
}

Result<std::vector<std::string>> SqliteIndexStore::SearchCaptions(std::string_view model,
                                                                  std::string_view words,
                                                                  int limit) {
  try {
    std::vector<std::string> hits;
    Result<ModelEntry> m = FindModel(model);
    std::string query = QuoteWords(words);
    if (!m.ok() || query.empty() || limit <= 0) return hits;
    SQLite::Statement& st = st_->search_captions;
    StatementScope scope(st);
    st.bind(1, query);
    st.bind(2, m->id);
    st.bind(3, limit);
    while (st.executeStep()) hits.push_back(ColumnBytes(st.getColumn(0)));
    return hits;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("searching captions"));
  }
}

Status SqliteIndexStore::ScanPresentFiles(const PresentFileVisitor& visit) {
  try {
    SQLite::Statement& st = st_->present_files;
    StatementScope scope(st);
    PresentFile file;
    while (st.executeStep()) {
      file.path = ColumnBytes(st.getColumn(0));
      file.sha256 = ColumnBytes(st.getColumn(1));
      file.size = 0;
      file.metadata.reset();
      if (st.getColumn(2).getInt() != 0) {
        image::Metadata m;
        ReadContentRow(st, 3, &file.size, &m);
        file.metadata = std::move(m);
      }
      PHOTOIDX_RETURN_IF_ERROR(visit(file));
    }
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("listing present files"));
  }
}

Result<std::vector<ContentFiles>> SqliteIndexStore::LoadSharedContents() {
  try {
    std::vector<ContentFiles> out;
    SQLite::Statement& st = st_->shared_contents;
    StatementScope scope(st);
    while (st.executeStep()) {
      std::string sha = ColumnBytes(st.getColumn(0));
      if (out.empty() || out.back().sha256 != sha) out.push_back(ContentFiles{std::move(sha), {}});
      out.back().paths.push_back(ColumnBytes(st.getColumn(1)));
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("finding shared contents"));
  }
}

Result<std::vector<std::string>> SqliteIndexStore::PresentContents() {
  try {
    std::vector<std::string> out;
    SQLite::Statement& st = st_->present_contents;
    StatementScope scope(st);
    while (st.executeStep()) out.push_back(ColumnBytes(st.getColumn(0)));
    return out;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("listing present contents"));
  }
}

Result<int64_t> SqliteIndexStore::CountQuery(const char* sql) {
  return db_->execAndGet(sql).getInt64();
}

Result<IndexStats> SqliteIndexStore::Stats(int last_runs) {
  try {
    IndexStats s;
    SQLite::Statement files(*db_, "SELECT state, count(*) FROM files GROUP BY state");
    while (files.executeStep()) {
      int64_t n = files.getColumn(1).getInt64();
      switch (static_cast<FileState>(files.getColumn(0).getInt())) {
        case FileState::kPresent: s.files_present = n; break;
        case FileState::kMissing: s.files_missing = n; break;
        case FileState::kFailed: s.files_failed = n; break;
        case FileState::kIgnored: s.files_ignored = n; break;
      }
    }
    PHOTOIDX_ASSIGN_OR_RETURN(s.contents, CountQuery("SELECT count(*) FROM contents"));
    SQLite::Statement models(
        *db_,
        "SELECT fingerprint, name, kind, dim, "
        "(SELECT count(*) FROM embeddings e WHERE e.model_id = m.id), "
        "(SELECT count(*) FROM captions c WHERE c.model_id = m.id) "
        "FROM models m ORDER BY fingerprint");
    while (models.executeStep()) {
      ModelStats ms;
      ms.model = ModelRow{ColumnBytes(models.getColumn(0)), ColumnBytes(models.getColumn(1)),
                          ColumnBytes(models.getColumn(2)), models.getColumn(3).getInt()};
      ms.embeddings = models.getColumn(4).getInt64();
      ms.captions = models.getColumn(5).getInt64();
      s.models.push_back(std::move(ms));
    }
    SQLite::Statement failures(*db_, "SELECT stage, count(*) FROM failures GROUP BY stage");
    while (failures.executeStep()) {
      s.failures_by_stage[ColumnBytes(failures.getColumn(0))] = failures.getColumn(1).getInt64();
    }
    SQLite::Statement& runs = st_->last_runs;
    StatementScope scope(runs);
    runs.bind(1, last_runs);
    while (runs.executeStep()) {
      RunRow r;
      r.id = runs.getColumn(0).getInt64();
      r.started_unix = runs.getColumn(1).getInt64();
      if (!runs.getColumn(2).isNull()) r.ended_unix = runs.getColumn(2).getInt64();
      r.summary_json = ColumnBytes(runs.getColumn(3));
      s.last_runs.push_back(std::move(r));
    }
    return s;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("reading stats"));
  }
}

}  // namespace photoidx::index::internal
