// Small helpers shared by the SQLite code of core/index: turning
// SQLite::Exception into Status, and binding/reading raw bytes without
// copies. Internal to core/index (the only module that sees SQLiteCpp).
#ifndef PHOTOIDX_CORE_INDEX_SQLITE_UTIL_INTERNAL_H_
#define PHOTOIDX_CORE_INDEX_SQLITE_UTIL_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>

#include <SQLiteCpp/SQLiteCpp.h>
#include <SQLiteCpp/Savepoint.h>

#include "core/base/status.h"

namespace photoidx::index::internal {

// Maps an SQLite error to a Status: Corruption for a malformed file or not a
// database, Busy for locks, InvalidArgument for constraint/type errors,
// IOError for the rest (disk full, cannot open, read-only, ...). The message
// is "<context>: <sqlite message>".
Status ToStatus(const SQLite::Exception& e, std::string_view context);
Status StatusFromCode(int sqlite_code, std::string_view context, std::string_view message);

// Resets a reused prepared statement and clears its bindings when the scope
// ends, so a statement is always ready for the next call even after an
// exception, and no bindNoCopy() pointer outlives the data it points to.
class StatementScope {
 public:
  explicit StatementScope(SQLite::Statement& st) : st_(st) {}
  ~StatementScope();
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  SQLite::Statement& st_;
};

// Makes a multi-statement write atomic: a savepoint inside the caller's open
// transaction (Begin()), else its own BEGIN IMMEDIATE transaction. Rolled
// back unless Commit() is called. Throws SQLite::Exception.
class WriteScope {
 public:
  WriteScope(SQLite::Database& db, bool in_transaction);
  void Commit();

 private:
  std::optional<SQLite::Transaction> txn_;
  std::optional<SQLite::Savepoint> savepoint_;
};

// Binds bytes as a BLOB without copying (the data must outlive the
// statement's execution). Never binds NULL, even for empty input.
void BindBlob(SQLite::Statement& st, int index, std::string_view bytes);
// Binds text (copied); empty text is bound as NULL when `empty_is_null`.
void BindText(SQLite::Statement& st, int index, std::string_view text,
              bool empty_is_null = false);
// The column's bytes (BLOB or TEXT) exactly; "" for NULL.
std::string ColumnBytes(const SQLite::Column& column);

}  // namespace photoidx::index::internal

#endif  // PHOTOIDX_CORE_INDEX_SQLITE_UTIL_INTERNAL_H_
