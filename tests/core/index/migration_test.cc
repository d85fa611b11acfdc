// Schema migrations: an index written by an older photoidx (created here by
// raw SQL with the frozen DDL of that version) opens, migrates step by step
// and keeps its data; a newer one is refused.
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/index/index_store.h"
#include "tests/testutil.h"

namespace photoidx::index {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Schema v1 exactly as released (frozen copy: never edit).
constexpr const char* kV1Ddl = R"sql(
CREATE TABLE files(path BLOB PRIMARY KEY NOT NULL, size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL, sha256 TEXT, state INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX files_by_sha256 ON files(sha256, state);
CREATE TABLE contents(sha256 TEXT PRIMARY KEY NOT NULL, size INTEGER NOT NULL,
  format TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
  orientation INTEGER NOT NULL, date_taken TEXT, make TEXT, model TEXT, lens TEXT,
  gps_lat REAL, gps_lon REAL, gps_alt REAL) WITHOUT ROWID;
CREATE TABLE failures(path BLOB PRIMARY KEY NOT NULL, size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL, sha256 TEXT, stage TEXT NOT NULL, reason TEXT NOT NULL,
  at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE models(id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL, kind TEXT NOT NULL, dim INTEGER NOT NULL);
CREATE TABLE embeddings(model_id INTEGER NOT NULL, sha256 TEXT NOT NULL,
  vector BLOB NOT NULL, PRIMARY KEY(model_id, sha256)) WITHOUT ROWID;
CREATE TABLE captions(model_id INTEGER NOT NULL, sha256 TEXT NOT NULL,
  text TEXT NOT NULL, ids BLOB, PRIMARY KEY(model_id, sha256));
CREATE TABLE runs(id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL,
  ended_at INTEGER, summary TEXT);
PRAGMA user_version = 1;
)sql";

std::string Hash(char c) { return std::string(64, c); }

// A v1 index with one photo, its content, an embedding, a caption, a failure
// and a run, written the way photoidx v1 wrote them.
void WriteV1Index(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;");
  db.exec(kV1Ddl);
  SQLite::Statement file(db, "INSERT INTO files VALUES (?, 10, 20, ?, 0)");
  const std::string raw_path = "/photos/\xff\xfe.jpg";
  file.bind(1, raw_path.data(), int(raw_path.size()));
  file.bind(2, Hash('a'));
  file.exec();
  db.exec("INSERT INTO contents VALUES ('" + Hash('a') +
          "', 10, 'jpeg', 640, 480, 6, '2020-01-02T03:04:05', 'Canon', 'EOS', NULL, "
          "1.5, 2.5, NULL)");
  db.exec("INSERT INTO models VALUES (1, 'clipfp', 'clip', 'clip', 2), "
          "(2, 'blipfp', 'blip', 'blip', 0)");
  SQLite::Statement emb(db, "INSERT INTO embeddings VALUES (1, ?, ?)");
  const float v[2] = {0.25f, -0.5f};
  emb.bind(1, Hash('a'));
  emb.bind(2, v, int(sizeof(v)));
  emb.exec();
  db.exec("INSERT INTO captions VALUES (2, '" + Hash('a') + "', 'a lighthouse at dusk', NULL)");
  db.exec("INSERT INTO failures VALUES (x'2f6261642e6a7067', 1, 2, NULL, 'decode', 'bad', 3)");
  db.exec("INSERT INTO runs VALUES (1, 100, 200, '{}')");
}

// Every table, index and trigger with its columns and key layout, in a
// form that ignores how the DDL was formatted.
std::string DescribeSchema(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement st(db,
                       "SELECT type, name, coalesce(sql, '') FROM sqlite_master "
                       "ORDER BY type, name");
  std::string all;
  while (st.executeStep()) {
    std::string type = st.getColumn(0).getString();
    std::string name = st.getColumn(1).getString();
    all += type + " " + name;
    if (st.getColumn(2).getString().find("WITHOUT ROWID") != std::string::npos) {
      all += " without-rowid";
    }
    const char* columns = type == "table"   ? "SELECT name || ':' || type || ':' || \"notnull\" "
                                              "|| ':' || pk FROM pragma_table_info(?)"
                          : type == "index" ? "SELECT name FROM pragma_index_info(?)"
                                            : nullptr;
    if (columns != nullptr) {
      SQLite::Statement cols(db, columns);
      cols.bind(1, name);
      while (cols.executeStep()) all += " " + cols.getColumn(0).getString();
    }
    all += "\n";
  }
  return all;
}

TEST(IndexMigrationTest, MigratesV1ToCurrentKeepingData) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("v1.db");
  WriteV1Index(path);
  auto store = IndexStore::Open(path, OpenOptions{.writer = true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  IndexStore& s = **store;
  EXPECT_EQ(s.schema_version(), kSchemaVersion);
  EXPECT_OK(s.CheckIntegrity());

  auto files = s.LoadFiles();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->count("/photos/\xff\xfe.jpg"), 1u);
  EXPECT_EQ(files->at("/photos/\xff\xfe.jpg").sha256, Hash('a'));
  auto content = s.GetContent(Hash('a'));
  ASSERT_TRUE(content.ok() && content->has_value());
  EXPECT_EQ((*content)->format, image::Format::kJpeg);
  EXPECT_EQ((*content)->orientation, 6);
  EXPECT_EQ((*content)->make, "Canon");
  EXPECT_EQ((*content)->gps->longitude, 2.5);
  EXPECT_THAT(**s.GetEmbedding(Hash('a'), "clipfp"), ElementsAre(0.25f, -0.5f));
  EXPECT_EQ(**s.GetCaption(Hash('a'), "blipfp"), "a lighthouse at dusk");
  EXPECT_EQ(s.LoadFailures()->size(), 1u);
  EXPECT_EQ((*s.LoadFailures())[0].path, "/bad.jpg");
  // v2's caption search indexes the captions v1 wrote.
  EXPECT_THAT(*s.SearchCaptions("blipfp", "Lighthouse", 5), ElementsAre(Hash('a')));
}

TEST(IndexMigrationTest, MigratedIndexHasTheSameSchemaAsANewOne) {
  test::ScopedTempDir dir;
  std::string old_path = dir.Join("v1.db");
  std::string new_path = dir.Join("new.db");
  WriteV1Index(old_path);
  ASSERT_TRUE(IndexStore::Open(old_path, OpenOptions{}).ok());
  ASSERT_TRUE(IndexStore::Open(new_path, OpenOptions{}).ok());
  std::string fresh = DescribeSchema(new_path);
  EXPECT_EQ(DescribeSchema(old_path), fresh);
  EXPECT_THAT(fresh, HasSubstr("table captions_fts"));
  EXPECT_THAT(fresh, HasSubstr("trigger captions_fts_au"));
  EXPECT_THAT(fresh, HasSubstr("table embeddings without-rowid"));
}

TEST(IndexMigrationTest, ReopeningACurrentIndexChangesNothing) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("index.db");
  {
    auto store = IndexStore::Open(path, OpenOptions{});
    ASSERT_TRUE(store.ok());
    ASSERT_OK((*store)->RegisterModel("b", "b", "blip", 0));
    ASSERT_OK((*store)->PutCaption(Hash('c'), "b", "snow on a mountain"));
  }
  auto store = IndexStore::Open(path, OpenOptions{});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->schema_version(), kSchemaVersion);
  EXPECT_THAT(*(*store)->SearchCaptions("b", "mountain", 5), ElementsAre(Hash('c')));
}

TEST(IndexMigrationTest, NewerSchemaIsNotSupported) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("future.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE future(x); PRAGMA user_version = 99;");
  }
  auto store = IndexStore::Open(path, OpenOptions{.writer = true});
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsNotSupported()) << store.status().ToString();
  EXPECT_THAT(store.status().message(),
              HasSubstr("index was written by a newer photoidx (schema 99"));
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  // Nothing was changed.
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 99);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "delete");
}

}  // namespace
}  // namespace photoidx::index
