// Schema DDL per version and the migration loop. A released version's DDL
// is never edited: a change is a new step appended to kMigrations.
#include "core/index/schema_internal.h"

#include <iterator>
#include <string>

#include "core/index/index_store.h"
#include "core/index/sqlite_util_internal.h"

namespace photoidx::index::internal {
namespace {

// v0 -> v1: the base tables. Paths are BLOBs (raw bytes). WITHOUT ROWID
// tables are clustered by their key: files/contents/failures save a separate
// key index, and embeddings are stored in (model, sha256) order so that
// loading one model's vectors is one sequential b-tree walk. Measured at
// 100k x 512 (bench/index_bench.cc, CPU time): LoadEmbeddings 0.37 s here
// against 0.87 s with a rowid table read through its (model, sha256) index;
// the price is paid once, at build time (writes 13 s against 5.6 s CPU in
// batches of 1,000, as random keys dirty more pages per batch).
// files_by_sha256 includes state so "is this content present?" is answered
// from the index alone. captions keeps a rowid for FTS5 (v2).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE files(
  path     BLOB PRIMARY KEY NOT NULL,
  size     INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  sha256   TEXT,
  state    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX files_by_sha256 ON files(sha256, state);
CREATE TABLE contents(
  sha256      TEXT PRIMARY KEY NOT NULL,
  size        INTEGER NOT NULL,
  format      TEXT NOT NULL,
  width       INTEGER NOT NULL,
  height      INTEGER NOT NULL,
  orientation INTEGER NOT NULL,
  date_taken  TEXT,
  make        TEXT,
  model       TEXT,
  lens        TEXT,
  gps_lat     REAL,
  gps_lon     REAL,
  gps_alt     REAL
) WITHOUT ROWID;
CREATE TABLE failures(
  path     BLOB PRIMARY KEY NOT NULL,
  size     INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  sha256   TEXT,
  stage    TEXT NOT NULL,
  reason   TEXT NOT NULL,
  at       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE models(
  id          INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL,
  dim         INTEGER NOT NULL
);
CREATE TABLE embeddings(
  model_id INTEGER NOT NULL,
  sha256   TEXT NOT NULL,
  vector   BLOB NOT NULL,
  PRIMARY KEY(model_id, sha256)
) WITHOUT ROWID;
CREATE TABLE captions(
  model_id INTEGER NOT NULL,
  sha256   TEXT NOT NULL,
  text     TEXT NOT NULL,
  ids      BLOB,
  PRIMARY KEY(model_id, sha256)
);
CREATE TABLE runs(
  id         INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  ended_at   INTEGER,
  summary    TEXT
);
)sql";

// v1 -> v2: word search over captions (issue 5). An external-content FTS5
// table indexes captions.text by rowid; triggers keep it in step with every
// insert, update and delete, and 'rebuild' indexes captions written by v1.
constexpr const char* kSchemaV2 = R"sql(
CREATE VIRTUAL TABLE captions_fts USING fts5(
  text, content='captions', content_rowid='rowid', tokenize='unicode61');
CREATE TRIGGER captions_fts_ai AFTER INSERT ON captions BEGIN
  INSERT INTO captions_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER captions_fts_ad AFTER DELETE ON captions BEGIN
  INSERT INTO captions_fts(captions_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER captions_fts_au AFTER UPDATE ON captions BEGIN
  INSERT INTO captions_fts(captions_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  INSERT INTO captions_fts(rowid, text) VALUES (new.rowid, new.text);
END;
INSERT INTO captions_fts(captions_fts) VALUES ('rebuild');
)sql";

// v2 -> v3: a version stamp per model that changes whenever any of its
// embeddings is inserted, updated or deleted (triggers, so no code path can
// forget it). Search trusts a model's mmapped vector file
// (core/index/vector_file.h) only when the file carries the current stamp.
// Stamps start at a random value: a vector file left behind by another
// index, or by this index before it was rebuilt, never matches by accident.
// The modulus leaves room for 2^63 - 10^15 increments.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE models ADD COLUMN vectors_version INTEGER NOT NULL DEFAULT 0;
UPDATE models SET vectors_version = abs(random() % 1000000000000000);
CREATE TRIGGER models_vectors_seed AFTER INSERT ON models BEGIN
  UPDATE models SET vectors_version = abs(random() % 1000000000000000) WHERE id = new.id;
END;
CREATE TRIGGER embeddings_version_ai AFTER INSERT ON embeddings BEGIN
  UPDATE models SET vectors_version = vectors_version + 1 WHERE id = new.model_id;
END;
CREATE TRIGGER embeddings_version_au AFTER UPDATE ON embeddings BEGIN
  UPDATE models SET vectors_version = vectors_version + 1 WHERE id = new.model_id;
END;
CREATE TRIGGER embeddings_version_ad AFTER DELETE ON embeddings BEGIN
  UPDATE models SET vectors_version = vectors_version + 1 WHERE id = old.model_id;
END;
)sql";

// kMigrations[i] takes version i to version i+1.
constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV2, kSchemaV3};
static_assert(std::size(kMigrations) == kSchemaVersion,
              "one migration step per schema version");

Status NewerSchema(const std::string& name, int version) {
  return Status::NotSupported(
      name, "index was written by a newer photoidx (schema " + std::to_string(version) +
                ", this binary knows " + std::to_string(kSchemaVersion) + ")");
}

// One step in its own transaction. Re-reads the version inside the write
// lock: another process may have migrated meanwhile.
Status MigrateStep(SQLite::Database& db, const std::string& name, int from) {
  try {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    int now = db.execAndGet("PRAGMA user_version").getInt();
    if (now != from) return Status::OK();  // done by someone else
    db.exec(kMigrations[from]);
    db.exec("PRAGMA user_version = " + std::to_string(from + 1));
    txn.commit();
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, name + ": migrating schema v" + std::to_string(from) + " to v" +
                           std::to_string(from + 1));
  }
}

}  // namespace

Status ApplyPragmas(SQLite::Database& db, const std::string& name, bool in_memory) {
  try {
    db.setBusyTimeout(10000);
    db.exec("PRAGMA page_size = 16384");
    if (!in_memory) {
      std::string mode = db.execAndGet("PRAGMA journal_mode = WAL").getString();
      if (mode != "wal") {
        return Status::IOError(name, "cannot use WAL journal mode (got " + mode + ")");
      }
    }
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA temp_store = MEMORY");
    // SQLite's default 2 MB page cache makes every batch re-read the b-tree
    // pages it touches from the OS (measured: most of the write CPU time).
    // 64 MiB is allocated only as pages are used.
    db.exec("PRAGMA cache_size = -65536");
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, name + ": opening");
  }
}

Result<int> ReadSchemaVersion(SQLite::Database& db, const std::string& name) {
  try {
    return db.execAndGet("PRAGMA user_version").getInt();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, name + ": reading schema version");
  }
}

Status CheckNotNewer(SQLite::Database& db, const std::string& name) {
  PHOTOIDX_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db, name));
  if (version > kSchemaVersion) return NewerSchema(name, version);
  return Status::OK();
}

Result<int> Migrate(SQLite::Database& db, const std::string& name) {
  PHOTOIDX_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db, name));
  if (version > kSchemaVersion) return NewerSchema(name, version);
  if (version < 0) return Status::Corruption(name, "negative schema version");
  for (int v = version; v < kSchemaVersion; ++v) {
    PHOTOIDX_RETURN_IF_ERROR(MigrateStep(db, name, v));
  }
  PHOTOIDX_ASSIGN_OR_RETURN(int final_version, ReadSchemaVersion(db, name));
  if (final_version > kSchemaVersion) return NewerSchema(name, final_version);
  return final_version;
}

}  // namespace photoidx::index::internal
