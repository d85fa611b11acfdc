#include "core/index/sqlite_index_statements_internal.h"

namespace photoidx::index::internal {

// Columns of contents in the order Get/Put use them.
#define PHOTOIDX_CONTENT_COLUMNS                                                 \
  "size, format, width, height, orientation, date_taken, make, model, lens, " \
  "gps_lat, gps_lon, gps_alt"

SqliteIndexStore::Statements::Statements(SQLite::Database& db)
    : load_files(db, "SELECT path, size, mtime_ns, sha256, state FROM files"),
      upsert_file(db,
                  "INSERT INTO files(path, size, mtime_ns, sha256, state) VALUES (?1, ?2, ?3, ?4, ?5) "
                  "ON CONFLICT(path) DO UPDATE SET size = ?2, mtime_ns = ?3, sha256 = ?4, "
                  "state = ?5"),
      mark_missing(db, "UPDATE files SET state = 1 WHERE path = ?1 AND state <> 1"),
      present_paths(db, "SELECT path FROM files WHERE sha256 = ?1 AND state = 0 ORDER BY path"),
      has_content(db, "SELECT 1 FROM contents WHERE sha256 = ?1"),
      content_hashes(db, "SELECT sha256 FROM contents"),
      put_content(db,
                  "INSERT INTO contents(sha256, " PHOTOIDX_CONTENT_COLUMNS
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                  "ON CONFLICT(sha256) DO UPDATE SET size = ?2, format = ?3, width = ?4, "
                  "height = ?5, orientation = ?6, date_taken = ?7, make = ?8, model = ?9, "
                  "lens = ?10, gps_lat = ?11, gps_lon = ?12, gps_alt = ?13"),
      get_content(db, "SELECT " PHOTOIDX_CONTENT_COLUMNS " FROM contents WHERE sha256 = ?1"),
      record_failure(db,
                     "INSERT INTO failures(path, size, mtime_ns, sha256, stage, reason, at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(path) DO UPDATE SET "
                     "size = ?2, mtime_ns = ?3, sha256 = ?4, stage = ?5, reason = ?6, at = ?7"),
      clear_failure(db, "DELETE FROM failures WHERE path = ?1"),
      load_failures(db,
                    "SELECT path, size, mtime_ns, sha256, stage, reason, at FROM failures "
                    "ORDER BY path"),
      find_model(db, "SELECT id, dim FROM models WHERE fingerprint = ?1"),
      insert_model(db, "INSERT INTO models(fingerprint, name, kind, dim) VALUES (?1, ?2, ?3, ?4)"),
      update_model(db, "UPDATE models SET name = ?2, kind = ?3 WHERE id = ?1"),
      list_models(db,
                  "SELECT fingerprint, name, kind, dim FROM models WHERE ?1 = '' OR kind = ?1 "
                  "ORDER BY fingerprint"),
      has_embedding(db, "SELECT 1 FROM embeddings WHERE model_id = ?2 AND sha256 = ?1"),
      put_embedding(db,
                    "INSERT INTO embeddings(model_id, sha256, vector) VALUES (?2, ?1, ?3) "
                    "ON CONFLICT(model_id, sha256) DO UPDATE SET vector = ?3"),
      get_embedding(db, "SELECT vector FROM embeddings WHERE model_id = ?2 AND sha256 = ?1"),
      // Bounds the rows of load_embeddings (one per present content) without
      // reading the embeddings table, whose pages are the vectors themselves.
      count_present(db, "SELECT count(*) FROM files WHERE state = 0"),
      // Only contents some present file refers to: search never returns a
      // missing photo, and a photo present under two names scores once.
      load_embeddings(db,
                      "SELECT e.sha256, e.vector FROM embeddings e WHERE e.model_id = ?1 AND "
                      "EXISTS (SELECT 1 FROM files f WHERE f.sha256 = e.sha256 AND f.state = 0) "
                      "ORDER BY e.sha256"),
      stored_embeddings(db,
                        "SELECT sha256, vector FROM embeddings WHERE model_id = ?1 "
                        "ORDER BY sha256"),
      vectors_version(db, "SELECT vectors_version FROM models WHERE id = ?1"),
      embedded_contents(db, "SELECT sha256 FROM embeddings WHERE model_id = ?1"),
      captioned_contents(db, "SELECT sha256 FROM captions WHERE model_id = ?1"),
      has_caption(db, "SELECT 1 FROM captions WHERE model_id = ?2 AND sha256 = ?1"),
      put_caption(db,
                  "INSERT INTO captions(model_id, sha256, text, ids) VALUES (?2, ?1, ?3, ?4) "
                  "ON CONFLICT(model_id, sha256) DO UPDATE SET text = ?3, ids = ?4"),
      get_caption(db, "SELECT text FROM captions WHERE model_id = ?2 AND sha256 = ?1"),
      search_captions(db,
                      "SELECT c.sha256 FROM captions_fts JOIN captions c "
                      "ON c.rowid = captions_fts.rowid WHERE captions_fts MATCH ?1 "
                      "AND c.model_id = ?2 ORDER BY bm25(captions_fts), c.sha256 LIMIT ?3"),
      // files is clustered by path (WITHOUT ROWID): ORDER BY path walks it
      // in order, no sort buffer, however many files.
      present_files(db,
                    "SELECT f.path, f.sha256, c.sha256 IS NOT NULL, c.size, c.format, c.width, "
                    "c.height, c.orientation, c.date_taken, c.make, c.model, c.lens, c.gps_lat, "
                    "c.gps_lon, c.gps_alt FROM files f LEFT JOIN contents c ON c.sha256 = f.sha256 "
                    "WHERE f.state = 0 AND f.sha256 IS NOT NULL ORDER BY f.path"),
      // Both sides use files_by_sha256 (sha256, state).
      shared_contents(db,
                      "SELECT sha256, path FROM files WHERE state = 0 AND sha256 IN "
                      "(SELECT sha256 FROM files WHERE state = 0 AND sha256 IS NOT NULL "
                      "GROUP BY sha256 HAVING count(*) > 1) ORDER BY sha256, path"),
      present_contents(db,
                       "SELECT DISTINCT sha256 FROM files WHERE state = 0 AND sha256 IS NOT NULL "
                       "ORDER BY sha256"),
      begin_run(db, "INSERT INTO runs(started_at) VALUES (?1)"),
      end_run(db, "UPDATE runs SET ended_at = ?2, summary = ?3 WHERE id = ?1"),
      last_runs(db,
                "SELECT id, started_at, ended_at, summary FROM runs ORDER BY id DESC LIMIT ?1") {}

#undef PHOTOIDX_CONTENT_COLUMNS

}  // namespace photoidx::index::internal
