// The prepared statements of SqliteIndexStore, created once per connection
// (after the schema is migrated) and reused for every call. Internal.
#ifndef PHOTOIDX_CORE_INDEX_SQLITE_INDEX_STATEMENTS_INTERNAL_H_
#define PHOTOIDX_CORE_INDEX_SQLITE_INDEX_STATEMENTS_INTERNAL_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/index/sqlite_index_store_internal.h"

namespace photoidx::index::internal {

struct SqliteIndexStore::Statements {
  // Throws SQLite::Exception (caught by Prepare()).
  explicit Statements(SQLite::Database& db);

  // files
  SQLite::Statement load_files;
  SQLite::Statement upsert_file;
  SQLite::Statement mark_missing;
  SQLite::Statement present_paths;   // present paths of one sha256
  // contents
  SQLite::Statement has_content;
  SQLite::Statement content_hashes;
  SQLite::Statement put_content;
  SQLite::Statement get_content;
  // failures
  SQLite::Statement record_failure;
  SQLite::Statement clear_failure;
  SQLite::Statement load_failures;
  // models
  SQLite::Statement find_model;
  SQLite::Statement insert_model;
  SQLite::Statement update_model;
  SQLite::Statement list_models;
  // embeddings
  SQLite::Statement has_embedding;
  SQLite::Statement put_embedding;
  SQLite::Statement get_embedding;
  SQLite::Statement count_present;
  SQLite::Statement load_embeddings;
  SQLite::Statement stored_embeddings;  // present or not
  SQLite::Statement vectors_version;
  SQLite::Statement embedded_contents;  // sha256 of one model's embeddings
  SQLite::Statement captioned_contents;
  // captions
  SQLite::Statement has_caption;
  SQLite::Statement put_caption;
  SQLite::Statement get_caption;
  SQLite::Statement search_captions;
  // export and dupes
  SQLite::Statement present_files;     // present files joined with contents
  SQLite::Statement shared_contents;   // (sha256, path) of contents with 2+ present files
  SQLite::Statement present_contents;  // distinct sha256 of present files
  // runs
  SQLite::Statement begin_run;
  SQLite::Statement end_run;
  SQLite::Statement last_runs;
};

}  // namespace photoidx::index::internal

#endif  // PHOTOIDX_CORE_INDEX_SQLITE_INDEX_STATEMENTS_INTERNAL_H_
