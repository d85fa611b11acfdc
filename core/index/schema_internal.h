// Schema of the index and its step-by-step migrations.
//
// The version lives in PRAGMA user_version. Migration i takes a database at
// version i to version i+1 and runs in its own BEGIN IMMEDIATE transaction
// together with the user_version bump, so a crash mid-migration leaves the
// previous version intact and two processes opening an old index at once
// migrate it exactly once. Internal to core/index.
#ifndef PHOTOIDX_CORE_INDEX_SCHEMA_INTERNAL_H_
#define PHOTOIDX_CORE_INDEX_SCHEMA_INTERNAL_H_

#include <string>

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/base/result.h"

namespace photoidx::index::internal {

// Connection settings, applied on every open before any table exists:
// page_size 16384 (only effective on a new file, must precede WAL and the
// first table), WAL, synchronous=NORMAL, busy_timeout, temp_store=MEMORY.
// `name` is used in error messages.
Status ApplyPragmas(SQLite::Database& db, const std::string& name, bool in_memory);

// Reads PRAGMA user_version.
Result<int> ReadSchemaVersion(SQLite::Database& db, const std::string& name);

// NotSupported when the file is newer than this binary. Called before
// ApplyPragmas so that such a file is left exactly as it was.
Status CheckNotNewer(SQLite::Database& db, const std::string& name);

// Migrates `db` from its current version to kSchemaVersion. NotSupported
// when the file is newer than this binary. Returns the final version.
Result<int> Migrate(SQLite::Database& db, const std::string& name);

}  // namespace photoidx::index::internal

#endif  // PHOTOIDX_CORE_INDEX_SCHEMA_INTERNAL_H_
