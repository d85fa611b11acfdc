// SqliteIndexStore: open, transactions, files, failures and runs.
#include "core/index/sqlite_index_store_internal.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "core/index/schema_internal.h"
#include "core/index/sqlite_index_statements_internal.h"
#include "core/index/sqlite_util_internal.h"

namespace photoidx::index::internal {
namespace {

constexpr const char* kInMemory = ":memory:";

// Creates the folder of a new index file. IOError naming the folder.
Status EnsureParentFolder(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Status::OK();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::IOError(path, "cannot create folder " + parent.string() + ": " + ec.message());
  }
  return Status::OK();
}

// Checks existence, creates the folder and takes the writer lock, in that
// order (the lock file lives next to the index).
Result<std::unique_ptr<WriterLock>> PrepareFile(const std::string& path,
                                                const OpenOptions& options) {
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  if (!exists && !options.create) {
    return Status::NotFound(path, "no index here (run photoidx build first)");
  }
  if (!exists) PHOTOIDX_RETURN_IF_ERROR(EnsureParentFolder(path));
  if (!options.writer) return std::unique_ptr<WriterLock>();
  return WriterLock::Acquire(path + ".lock", options.wait, options.interrupt, options.on_wait);
}

FileRow ReadFileRow(const SQLite::Statement& st) {
  FileRow row;
  row.path = ColumnBytes(st.getColumn(0));
  row.size = static_cast<uint64_t>(st.getColumn(1).getInt64());
  row.mtime_ns = st.getColumn(2).getInt64();
  row.sha256 = ColumnBytes(st.getColumn(3));
  row.state = static_cast<FileState>(st.getColumn(4).getInt());
  return row;
}

}  // namespace

SqliteIndexStore::SqliteIndexStore(std::string name, std::unique_ptr<SQLite::Database> db,
                                   std::unique_ptr<WriterLock> lock)
    : name_(std::move(name)), lock_(std::move(lock)), db_(std::move(db)) {}

SqliteIndexStore::~SqliteIndexStore() {
  // An interrupted build loses only the batch in flight: roll it back before
  // the statements and the connection go.
  txn_.reset();
  st_.reset();
  db_.reset();
}

Result<std::unique_ptr<IndexStore>> SqliteIndexStore::Open(const std::string& path,
                                                           const OpenOptions& options) {
  bool in_memory = path == kInMemory;
  std::unique_ptr<WriterLock> lock;
  if (!in_memory) {
    PHOTOIDX_ASSIGN_OR_RETURN(lock, PrepareFile(path, options));
  }
  std::unique_ptr<SQLite::Database> db;
  try {
    int flags = SQLite::OPEN_READWRITE | (options.create ? SQLite::OPEN_CREATE : 0);
    db = std::make_unique<SQLite::Database>(path, flags);
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, path + ": opening index");
  }
  PHOTOIDX_RETURN_IF_ERROR(CheckNotNewer(*db, path));
  PHOTOIDX_RETURN_IF_ERROR(ApplyPragmas(*db, path, in_memory));
  PHOTOIDX_ASSIGN_OR_RETURN(int version, Migrate(*db, path));
  std::unique_ptr<SqliteIndexStore> store(
      new SqliteIndexStore(path, std::move(db), std::move(lock)));
  store->schema_version_ = version;
  PHOTOIDX_RETURN_IF_ERROR(store->Prepare());
  return std::unique_ptr<IndexStore>(std::move(store));
}

Status SqliteIndexStore::Prepare() {
  try {
    st_ = std::make_unique<Statements>(*db_);
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("preparing statements"));
  }
}

std::string SqliteIndexStore::Context(std::string_view what) const {
  std::string s = name_;
  s.append(": ");
  s.append(what);
  return s;
}

Status SqliteIndexStore::Begin() {
  if (txn_) return Status::InvalidArgument(Context("Begin()"), "a transaction is already open");
  try {
    txn_.emplace(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("begin transaction"));
  }
}

Status SqliteIndexStore::Commit() {
  if (!txn_) return Status::InvalidArgument(Context("Commit()"), "no open transaction");
  try {
    txn_->commit();
    txn_.reset();
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    txn_.reset();      // rolls back what did not commit
    models_.clear();   // a model registered in the batch may be gone
    return ToStatus(e, Context("commit"));
  }
}

Status SqliteIndexStore::Rollback() {
  if (!txn_) return Status::InvalidArgument(Context("Rollback()"), "no open transaction");
  txn_.reset();
  models_.clear();
  return Status::OK();
}

Result<std::unordered_map<std::string, FileRow>> SqliteIndexStore::LoadFiles() {
  try {
    std::unordered_map<std::string, FileRow> files;
    SQLite::Statement& st = st_->load_files;
    StatementScope scope(st);
    while (st.executeStep()) {
      FileRow row = ReadFileRow(st);
      std::string key = row.path;
      files.emplace(std::move(key), std::move(row));
    }
    return files;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("loading files"));
  }
}

Status SqliteIndexStore::UpsertFileLocked(const FileRow& row) {
  SQLite::Statement& st = st_->upsert_file;
  StatementScope scope(st);
  BindBlob(st, 1, row.path);
  st.bind(2, static_cast<int64_t>(row.size));
  st.bind(3, row.mtime_ns);
  BindText(st, 4, row.sha256, /*empty_is_null=*/true);
  st.bind(5, static_cast<int>(row.state));
  st.exec();
  return Status::OK();
}

Status SqliteIndexStore::UpsertFile(const FileRow& row) {
  try {
    return UpsertFileLocked(row);
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("storing file"));
  }
}

Result<int64_t> SqliteIndexStore::MarkMissing(const std::vector<std::string>& paths) {
  try {
    WriteScope write(*db_, in_transaction());
    int64_t marked = 0;
    for (const std::string& path : paths) {
      {
        SQLite::Statement& st = st_->mark_missing;
        StatementScope scope(st);
        BindBlob(st, 1, path);
        marked += st.exec();
      }
      SQLite::Statement& st = st_->clear_failure;
      StatementScope scope(st);
      BindBlob(st, 1, path);
      st.exec();
    }
    write.Commit();
    return marked;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("marking missing files"));
  }
}

Result<int64_t> SqliteIndexStore::DropMissing() {
  try {
    WriteScope scope(*db_, in_transaction());
    int64_t removed = db_->exec("DELETE FROM files WHERE state = 1");
    // Results of contents no file refers to any more go with them.
    constexpr const char* kUnreferenced =
        " WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = t.sha256)";
    removed += db_->exec(std::string("DELETE FROM contents AS t") + kUnreferenced);
    db_->exec(std::string("DELETE FROM embeddings AS t") + kUnreferenced);
    db_->exec(std::string("DELETE FROM captions AS t") + kUnreferenced);
    scope.Commit();
    return removed;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("dropping missing files"));
  }
}

Status SqliteIndexStore::RecordFailure(const FailureRow& row) {
  try {
    WriteScope write(*db_, in_transaction());
    SQLite::Statement& st = st_->record_failure;
    {
      StatementScope scope(st);
      BindBlob(st, 1, row.path);
      st.bind(2, static_cast<int64_t>(row.size));
      st.bind(3, row.mtime_ns);
      BindText(st, 4, row.sha256, /*empty_is_null=*/true);
      BindText(st, 5, row.stage);
      BindText(st, 6, row.reason);
      st.bind(7, row.at_unix);
      st.exec();
    }
    PHOTOIDX_RETURN_IF_ERROR(UpsertFileLocked(
        FileRow{row.path, row.size, row.mtime_ns, row.sha256, FileState::kFailed}));
    write.Commit();
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("recording failure"));
  }
}

Status SqliteIndexStore::ClearFailure(std::string_view path) {
  try {
    SQLite::Statement& st = st_->clear_failure;
    StatementScope scope(st);
    BindBlob(st, 1, path);
    st.exec();
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("clearing failure"));
  }
}

Result<std::vector<FailureRow>> SqliteIndexStore::LoadFailures() {
  try {
    std::vector<FailureRow> rows;
    SQLite::Statement& st = st_->load_failures;
    StatementScope scope(st);
    while (st.executeStep()) {
      FailureRow row;
      row.path = ColumnBytes(st.getColumn(0));
      row.size = static_cast<uint64_t>(st.getColumn(1).getInt64());
      row.mtime_ns = st.getColumn(2).getInt64();
      row.sha256 = ColumnBytes(st.getColumn(3));
      row.stage = ColumnBytes(st.getColumn(4));
      row.reason = ColumnBytes(st.getColumn(5));
      row.at_unix = st.getColumn(6).getInt64();
      rows.push_back(std::move(row));
    }
    return rows;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("loading failures"));
  }
}

Result<int64_t> SqliteIndexStore::BeginRun(int64_t started_unix) {
  try {
    SQLite::Statement& st = st_->begin_run;
    StatementScope scope(st);
    st.bind(1, started_unix);
    st.exec();
    return db_->getLastInsertRowid();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("starting run"));
  }
}

Status SqliteIndexStore::EndRun(int64_t run_id, int64_t ended_unix,
                                std::string_view summary_json) {
  try {
    SQLite::Statement& st = st_->end_run;
    StatementScope scope(st);
    st.bind(1, run_id);
    st.bind(2, ended_unix);
    BindText(st, 3, summary_json);
    if (st.exec() == 0) {
      return Status::NotFound(Context("ending run"), "no run " + std::to_string(run_id));
    }
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("ending run"));
  }
}

Status SqliteIndexStore::CheckIntegrity() {
  try {
    SQLite::Statement st(*db_, "PRAGMA integrity_check");
    std::string first;
    if (st.executeStep()) first = st.getColumn(0).getString();
    if (first != "ok") return Status::Corruption(Context("integrity check"), first);
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("integrity check"));
  }
}

}  // namespace photoidx::index::internal
