#include "core/index/sqlite_util_internal.h"

#include <sqlite3.h>

#include <string>

namespace photoidx::index::internal {

Status StatusFromCode(int sqlite_code, std::string_view context, std::string_view message) {
  switch (sqlite_code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(context, message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Busy(context, message);
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return Status::InvalidArgument(context, message);
    case SQLITE_NOMEM:
      return Status::OutOfMemory(context, message);
    case SQLITE_INTERRUPT:
      return Status::Interrupted(context, message);
    default:
      return Status::IOError(context, message);
  }
}

Status ToStatus(const SQLite::Exception& e, std::string_view context) {
  // SQLiteCpp reports its own misuse (e.g. a bad column index) with code -1.
  int code = e.getErrorCode() >= 0 ? e.getErrorCode() : SQLITE_ERROR;
  return StatusFromCode(code, context, e.what());
}

StatementScope::~StatementScope() {
  st_.tryReset();
  try {
    st_.clearBindings();
  } catch (const SQLite::Exception&) {
    // sqlite3_clear_bindings() cannot fail on a valid statement.
  }
}

WriteScope::WriteScope(SQLite::Database& db, bool in_transaction) {
  if (in_transaction) {
    savepoint_.emplace(db, "photoidx_write");
  } else {
    txn_.emplace(db, SQLite::TransactionBehavior::IMMEDIATE);
  }
}

void WriteScope::Commit() {
  if (savepoint_) savepoint_->release();
  if (txn_) txn_->commit();
}

void BindBlob(SQLite::Statement& st, int index, std::string_view bytes) {
  // A null pointer would bind SQL NULL; any valid address binds an empty BLOB.
  static const char kEmpty = 0;
  st.bindNoCopy(index, bytes.empty() ? &kEmpty : bytes.data(), static_cast<int>(bytes.size()));
}

void BindText(SQLite::Statement& st, int index, std::string_view text, bool empty_is_null) {
  if (text.empty() && empty_is_null) {
    st.bind(index);
    return;
  }
  // SQLiteCpp 3.2.1 has no length-taking text bind and no access to the raw
  // statement; the values bound as text here are short (hashes, names).
  st.bind(index, std::string(text));
}

std::string ColumnBytes(const SQLite::Column& column) {
  if (column.isNull()) return {};
  const char* p = static_cast<const char*>(column.getBlob());
  int n = column.getBytes();
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
}

}  // namespace photoidx::index::internal
