// SqliteIndexStore: the IndexStore over one SQLite file (SQLiteCpp).
//
// Every statement the hot paths use is prepared once in Open() and reused
// (StatementScope resets it and clears its bindings after each use). Every
// SQLite::Exception is caught here and returned as a Status naming the index
// and the operation. The implementation is split by topic over
// sqlite_index_store.cc (open, transactions, files, failures, runs),
// sqlite_index_results.cc (contents, models, embeddings, captions) and
// sqlite_index_queries.cc (search and stats queries).
// Internal to core/index. Thread safety: one thread at a time.
#ifndef PHOTOIDX_CORE_INDEX_SQLITE_INDEX_STORE_INTERNAL_H_
#define PHOTOIDX_CORE_INDEX_SQLITE_INDEX_STORE_INTERNAL_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/index/index_store.h"
#include "core/index/writer_lock_internal.h"

namespace photoidx::index::internal {

class SqliteIndexStore final : public IndexStore {
 public:
  static Result<std::unique_ptr<IndexStore>> Open(const std::string& path,
                                                  const OpenOptions& options);
  ~SqliteIndexStore() override;

  int schema_version() const override { return schema_version_; }

  Status Begin() override;
  Status Commit() override;
  Status Rollback() override;
  bool in_transaction() const override { return txn_.has_value(); }

  Result<std::unordered_map<std::string, FileRow>> LoadFiles() override;
  Status UpsertFile(const FileRow& row) override;
  Result<int64_t> MarkMissing(const std::vector<std::string>& paths) override;
  Result<int64_t> DropMissing() override;

  Result<bool> HasContent(std::string_view sha256) override;
  Status PutContent(std::string_view sha256, uint64_t size,
                    const image::Metadata& metadata) override;
  Result<std::optional<image::Metadata>> GetContent(std::string_view sha256) override;

  Status RecordFailure(const FailureRow& row) override;
  Status ClearFailure(std::string_view path) override;
  Result<std::vector<FailureRow>> LoadFailures() override;

  Status RegisterModel(std::string_view fingerprint, std::string_view name,
                       std::string_view kind, int dim) override;
  Result<std::vector<ModelRow>> ListModels(std::string_view kind) override;
  Result<bool> HasEmbedding(std::string_view sha256, std::string_view model) override;
  Status PutEmbedding(std::string_view sha256, std::string_view model, const float* vec,
                      int dim) override;
  Result<std::optional<std::vector<float>>> GetEmbedding(std::string_view sha256,
                                                         std::string_view model) override;
  Result<bool> HasCaption(std::string_view sha256, std::string_view model) override;
  Status PutCaption(std::string_view sha256, std::string_view model,
                    std::string_view text) override;
  Status PutCaption(std::string_view sha256, std::string_view model, std::string_view text,
                    std::span<const int64_t> token_ids) override;
  Result<std::optional<std::string>> GetCaption(std::string_view sha256,
                                                std::string_view model) override;

  Result<EmbeddingMatrix> LoadEmbeddings(std::string_view model) override;
  Status ScanEmbeddings(std::string_view model, const EmbeddingVisitor& visit) override;
  Status ScanStoredEmbeddings(std::string_view model, const EmbeddingVisitor& visit) override;
  Result<std::unordered_set<std::string>> ContentsWithResults(std::string_view model,
                                                              ResultKind kind) override;
  Result<std::unordered_set<std::string>> ContentHashes() override;
  Result<int64_t> VectorsVersion(std::string_view model) override;
  Result<std::vector<PhotoRow>> LookupPhotos(const std::vector<std::string>& sha256,
                                             std::string_view caption_model) override;
  Result<std::vector<std::string>> SearchCaptions(std::string_view model, std::string_view words,
                                                  int limit) override;

  Status ScanPresentFiles(const PresentFileVisitor& visit) override;
  Result<std::vector<ContentFiles>> LoadSharedContents() override;
  Result<std::vector<std::string>> PresentContents() override;

  Result<int64_t> BeginRun(int64_t started_unix) override;
  Status EndRun(int64_t run_id, int64_t ended_unix, std::string_view summary_json) override;

  Result<IndexStats> Stats(int last_runs) override;
  Status CheckIntegrity() override;

 private:
  struct ModelEntry {
    int64_t id = 0;
    int dim = 0;
  };
  // The statements reused by the per-item methods, prepared once.
  struct Statements;

  SqliteIndexStore(std::string name, std::unique_ptr<SQLite::Database> db,
                   std::unique_ptr<WriterLock> lock);
  Status Prepare();

  // "<index path>: <what>" for error messages.
  std::string Context(std::string_view what) const;
  // Registered model by fingerprint (cached); NotFound when unknown.
  Result<ModelEntry> FindModel(std::string_view fingerprint);
  Result<bool> Exists(SQLite::Statement& st, std::string_view sha256, int64_t model_id);
  Status UpsertFileLocked(const FileRow& row);
  Status FillPhotoRow(PhotoRow& photo, std::optional<int64_t> caption_model);
  Result<int64_t> CountQuery(const char* sql);
  // Throws SQLite::Exception.
  Status ScanModel(SQLite::Statement& st, const ModelEntry& m, std::string_view model,
                   const EmbeddingVisitor& visit);

  // Destruction order matters: statements and the transaction go before the
  // database, the lock last (after the connection is closed).
  std::string name_;
  std::unique_ptr<WriterLock> lock_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<Statements> st_;
  std::optional<SQLite::Transaction> txn_;
  std::unordered_map<std::string, ModelEntry> models_;
  int schema_version_ = 0;
};

// Stable names of image formats in the contents table (independent of the
// display names in core/image, so the stored data never changes meaning).
const char* FormatToDb(image::Format format);
image::Format FormatFromDb(std::string_view name);

// Reads the contents columns (size, format, width, height, orientation,
// date_taken, make, model, lens, gps_lat, gps_lon, gps_alt) of the current
// row of `st`, starting at column `first`. Throws SQLite::Exception.
void ReadContentRow(const SQLite::Statement& st, int first, uint64_t* size, image::Metadata* m);

}  // namespace photoidx::index::internal

#endif  // PHOTOIDX_CORE_INDEX_SQLITE_INDEX_STORE_INTERNAL_H_
