// IndexStore: the SQLite index (one file) behind one narrow interface, so the
// storage can later move to a database server without touching the pipeline.
//
// Schema (versioned by PRAGMA user_version, migrated step by step on Open;
// see core/index/schema.cc for the DDL of every version):
//   files(path BLOB PK, size, mtime_ns, sha256, state)   -- path as raw bytes
//   contents(sha256 PK, size, format, width, height, orientation, date_taken,
//            make, model, lens, gps_lat, gps_lon, gps_alt)
//   failures(path BLOB PK, size, mtime_ns, sha256, stage, reason, at)
//   models(id PK, fingerprint UNIQUE, name, kind, dim)
//   embeddings(model_id, sha256, vector BLOB float32)  PK (model_id, sha256)
//   captions(model_id, sha256, text, ids BLOB int64)    PK (model_id, sha256)
//   runs(id PK, started_at, ended_at, summary JSON)
//   v2: captions_fts (FTS5 over captions.text, kept in sync by triggers)
// Results are keyed by (sha256, model fingerprint); the fingerprint is mapped
// to a small integer id internally so 100k embeddings do not repeat it.
//
// Durability: WAL, synchronous=NORMAL. Everything between Begin() and
// Commit() is one transaction; a process killed at any moment (SIGKILL
// included) leaves a consistent index holding every committed batch.
// Outside Begin()/Commit() each write method commits on its own.
//
// Thread safety: one IndexStore per thread. Writers are serialised across
// processes by an exclusive flock() on "<index>.lock", taken in Open() and
// held until the store is destroyed (see OpenOptions). Readers take no lock
// and see the last committed state.
#ifndef PHOTOIDX_CORE_INDEX_INDEX_STORE_H_
#define PHOTOIDX_CORE_INDEX_INDEX_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/result.h"
#include "core/image/image.h"

namespace photoidx::index {

// v1: files, contents, failures, models, embeddings, captions, runs.
// v2: captions_fts (FTS5 word search over captions).
constexpr int kSchemaVersion = 3;

// kIgnored: a file that is not an image (sniffed by content), remembered so an
// unchanged one is not read again on the next build.
enum class FileState { kPresent = 0, kMissing = 1, kFailed = 2, kIgnored = 3 };

struct FileRow {
  std::string path;     // raw bytes as the OS gave them
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string sha256;   // lowercase hex; empty when never hashed
  FileState state = FileState::kPresent;
};

struct FailureRow {
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string sha256;   // may be empty (failed before hashing)
  std::string stage;    // "scan", "hash", "decode", "embed", "caption"
  std::string reason;
  int64_t at_unix = 0;
};

struct ModelRow {
  std::string fingerprint;
  std::string name;
  std::string kind;     // free text chosen by the caller: "clip", "blip", ...
  int dim = 0;          // embedding width; 0 for captioners
};

// Every embedding of one model, row-major: row i (data[i*dim .. i*dim+dim))
// belongs to sha256[i]. One contiguous buffer so search scores it directly.
struct EmbeddingMatrix {
  std::vector<std::string> sha256;
  std::vector<float> data;
  int dim = 0;
  size_t rows() const { return sha256.size(); }
  const float* row(size_t i) const { return data.data() + i * size_t(dim); }
};

// What search shows for one content hash.
// What a model stored for a content.
enum class ResultKind { kEmbedding, kCaption };

struct PhotoRow {
  std::string sha256;
  std::vector<std::string> paths;     // present files with this content, sorted
  uint64_t size = 0;
  image::Metadata metadata;
  std::optional<std::string> caption;  // for the requested caption model
};

// One present file with its content row, as export streams them.
struct PresentFile {
  std::string path;                         // raw bytes
  std::string sha256;
  uint64_t size = 0;                        // of the content
  std::optional<image::Metadata> metadata;  // absent when no contents row
};

// A content and the present files holding it (paths sorted).
struct ContentFiles {
  std::string sha256;
  std::vector<std::string> paths;
};

struct RunRow {
  int64_t id = 0;
  int64_t started_unix = 0;
  std::optional<int64_t> ended_unix;  // absent: still running or killed
  std::string summary_json;           // empty until EndRun
};

struct ModelStats {
  ModelRow model;
  int64_t embeddings = 0;
  int64_t captions = 0;
};

struct IndexStats {
  int64_t files_present = 0;
  int64_t files_missing = 0;
  int64_t files_failed = 0;
  int64_t files_ignored = 0;
  int64_t contents = 0;
  std::vector<ModelStats> models;                 // by fingerprint
  std::map<std::string, int64_t> failures_by_stage;
  std::vector<RunRow> last_runs;                  // newest first
};

// Called once per stored vector by ScanEmbeddings(). Both views are valid
// only during the call.
using EmbeddingVisitor =
    std::function<void(std::string_view sha256, std::span<const float> vector)>;

// Called once per present file by ScanPresentFiles(); a non-OK Status stops
// the scan and is returned. The row is valid only during the call.
using PresentFileVisitor = std::function<Status(const PresentFile& file)>;

struct OpenOptions {
  // Take the writer lock (build, gc). Readers (search, stats) pass false.
  bool writer = false;
  // When another writer holds the lock: wait for it (true) or fail with
  // Status::Busy (false).
  bool wait = true;
  // Create the file (and its folder) if absent. Readers pass false and get
  // NotFound for a missing index.
  bool create = true;
  // While waiting for the lock: polled every 50 ms; when it becomes true,
  // Open() gives up with Status::Interrupted (Ctrl-C). May be null.
  const std::atomic<bool>* interrupt = nullptr;
  // Called once, before waiting, when the lock is held by someone else (to
  // tell the user why nothing happens). May be empty.
  std::function<void()> on_wait = nullptr;
};

class IndexStore {
 public:
  virtual ~IndexStore() = default;

  // Opens or creates the index at `path` and migrates it to kSchemaVersion.
  // ":memory:" gives an in-memory index (tests; no lock). A newer schema
  // than this binary knows is NotSupported. Errors: IOError (cannot create
  // or open, with the path), Corruption (not a database / malformed), Busy
  // (writer lock held and !wait), NotFound (!create and no file).
  static Result<std::unique_ptr<IndexStore>> Open(const std::string& path,
                                                  const OpenOptions& options);

  virtual int schema_version() const = 0;

  // --- batching: everything between Begin() and Commit() is one transaction
  // (BEGIN IMMEDIATE). Begin() inside an open transaction and Commit() or
  // Rollback() without one are InvalidArgument and change nothing. The
  // destructor rolls back a transaction still open.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  virtual bool in_transaction() const = 0;

  // --- files
  // Every file row, keyed by path (the planner compares size and mtime).
  virtual Result<std::unordered_map<std::string, FileRow>> LoadFiles() = 0;
  virtual Status UpsertFile(const FileRow& row) = 0;
  // Marks the files at `paths` (the planner's list of files gone from disk;
  // present, failed or ignored) as missing and forgets their failures.
  // Unknown paths and files already missing are skipped. Returns how many
  // files changed state.
  virtual Result<int64_t> MarkMissing(const std::vector<std::string>& paths) = 0;
  // Drops missing files, then contents no file refers to any more together
  // with their embeddings and captions (gc). Returns rows removed (files +
  // contents).
  virtual Result<int64_t> DropMissing() = 0;

  // --- contents (by sha256)
  virtual Result<bool> HasContent(std::string_view sha256) = 0;
  // The sha256 of every content row, in one query (a build that ingests
  // new files asks once instead of once per indexed file).
  virtual Result<std::unordered_set<std::string>> ContentHashes() = 0;
  virtual Status PutContent(std::string_view sha256, uint64_t size,
                            const image::Metadata& metadata) = 0;
  virtual Result<std::optional<image::Metadata>> GetContent(std::string_view sha256) = 0;

  // --- failures
  // Records (replaces) the failure of `row.path` and also upserts its files
  // row with state kFailed, so the planner skips it until it changes.
  virtual Status RecordFailure(const FailureRow& row) = 0;
  // Forgets the failure row only; a later UpsertFile sets the file's state.
  virtual Status ClearFailure(std::string_view path) = 0;
  virtual Result<std::vector<FailureRow>> LoadFailures() = 0;

  // --- models and results, keyed by (sha256, model fingerprint)
  // Registering again with the same dim updates name and kind; a different
  // dim for a known fingerprint is InvalidArgument.
  virtual Status RegisterModel(std::string_view fingerprint, std::string_view name,
                               std::string_view kind, int dim) = 0;
  // Models of one kind ("" = all), by fingerprint.
  virtual Result<std::vector<ModelRow>> ListModels(std::string_view kind) = 0;
  virtual Result<bool> HasEmbedding(std::string_view sha256, std::string_view model) = 0;
  // The sha256 of every content with an embedding (kind "embedding") or a
  // caption ("caption") of `model`; empty for an unknown model. One query:
  // a build asks this once per stage instead of once per photo (100k point
  // lookups cost about half a second; this about a tenth).
  virtual Result<std::unordered_set<std::string>> ContentsWithResults(std::string_view model,
                                                                      ResultKind kind) = 0;
  // InvalidArgument when `model` is not registered or `dim` differs from its
  // registered dim. Replaces an existing vector.
  virtual Status PutEmbedding(std::string_view sha256, std::string_view model,
                              const float* vec, int dim) = 0;
  virtual Result<std::optional<std::vector<float>>> GetEmbedding(std::string_view sha256,
                                                                 std::string_view model) = 0;
  virtual Result<bool> HasCaption(std::string_view sha256, std::string_view model) = 0;
  // InvalidArgument when `model` is not registered. Replaces an existing caption.
  virtual Status PutCaption(std::string_view sha256, std::string_view model,
                            std::string_view text) = 0;
  // Same, also storing the generated token ids.
  virtual Status PutCaption(std::string_view sha256, std::string_view model,
                            std::string_view text, std::span<const int64_t> token_ids) = 0;
  virtual Result<std::optional<std::string>> GetCaption(std::string_view sha256,
                                                        std::string_view model) = 0;

  // --- search
  // Embeddings of `model` for contents referenced by at least one PRESENT
  // file, in sha256 order. NotFound when the model is not registered; an
  // empty matrix (dim set) when it has no embeddings.
  virtual Result<EmbeddingMatrix> LoadEmbeddings(std::string_view model) = 0;
  // The same rows streamed without building the matrix (no 4*dim*N buffer):
  // search can score each vector as it goes. NotFound for an unknown model.
  virtual Status ScanEmbeddings(std::string_view model, const EmbeddingVisitor& visit) = 0;
  // Every stored embedding of `model`, present or not, in sha256 order (what
  // a vector file holds: presence changes without touching embeddings).
  virtual Status ScanStoredEmbeddings(std::string_view model, const EmbeddingVisitor& visit) = 0;
  // A stamp that changes whenever an embedding of `model` is written or
  // deleted (committed or not, as seen by this connection). NotFound for an
  // unknown model.
  virtual Result<int64_t> VectorsVersion(std::string_view model) = 0;
  // For each sha256, in the given order, what search displays; hashes with
  // no present file are left out. `caption_model` may be empty (no captions).
  virtual Result<std::vector<PhotoRow>> LookupPhotos(const std::vector<std::string>& sha256,
                                                     std::string_view caption_model) = 0;
  // Captions of `model` containing every word of `words` (FTS5, unicode61
  // tokenizer, case-insensitive; words are quoted, so no query syntax), best
  // bm25 match first, at most `limit`. Returns sha256s.
  virtual Result<std::vector<std::string>> SearchCaptions(std::string_view model,
                                                          std::string_view words,
                                                          int limit) = 0;

  // --- export and dupes
  // Every present file (with a sha256) and its content row, in byte order of
  // path, streamed from one statement (no list of all files is built).
  // Other read methods may be called from `visit`.
  virtual Status ScanPresentFiles(const PresentFileVisitor& visit) = 0;
  // Contents referenced by two or more present files, in sha256 order, each
  // with its present paths sorted (exact duplicates).
  virtual Result<std::vector<ContentFiles>> LoadSharedContents() = 0;
  // The sha256 of every content some present file refers to, sorted
  // (distinct).
  virtual Result<std::vector<std::string>> PresentContents() = 0;

  // --- runs
  virtual Result<int64_t> BeginRun(int64_t started_unix) = 0;
  virtual Status EndRun(int64_t run_id, int64_t ended_unix, std::string_view summary_json) = 0;

  // --- maintenance
  virtual Result<IndexStats> Stats(int last_runs) = 0;
  // PRAGMA integrity_check; Corruption with its first message when not "ok".
  virtual Status CheckIntegrity() = 0;
};

}  // namespace photoidx::index

#endif  // PHOTOIDX_CORE_INDEX_INDEX_STORE_H_
