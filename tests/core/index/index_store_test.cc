// Round trips for every IndexStore method on an in-memory or temp-file index.
#include "core/index/index_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace photoidx::index {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<IndexStore> OpenMemory() {
  auto store = IndexStore::Open(":memory:", OpenOptions{.writer = true});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

std::string Hash(char c) { return std::string(64, c); }

FileRow File(std::string path, std::string sha, FileState state = FileState::kPresent) {
  return FileRow{std::move(path), 1234, 1'700'000'000'123'456'789, std::move(sha), state};
}

image::Metadata FullMetadata() {
  image::Metadata m;
  m.format = image::Format::kHeif;
  m.width = 3024;
  m.height = 4032;
  m.orientation = 6;
  m.date_taken = "2018-07-25T16:34:23+02:00";
  m.make = "Apple";
  m.model = "iPhone 8";
  m.lens = "iPhone 8 back camera 3.99mm f/1.8";
  m.gps = image::GpsPosition{47.3686, -8.5392, 408.5};
  return m;
}

void ExpectSameMetadata(const image::Metadata& a, const image::Metadata& b) {
  EXPECT_EQ(a.format, b.format);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.orientation, b.orientation);
  EXPECT_EQ(a.date_taken, b.date_taken);
  EXPECT_EQ(a.make, b.make);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.lens, b.lens);
  ASSERT_EQ(a.gps.has_value(), b.gps.has_value());
  if (a.gps) {
    EXPECT_EQ(a.gps->latitude, b.gps->latitude);
    EXPECT_EQ(a.gps->longitude, b.gps->longitude);
    EXPECT_EQ(a.gps->altitude, b.gps->altitude);
  }
}

TEST(IndexStoreTest, OpensInMemoryAtCurrentSchema) {
  auto store = OpenMemory();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), kSchemaVersion);
  EXPECT_EQ(kSchemaVersion, 3);
  EXPECT_OK(store->CheckIntegrity());
}

TEST(IndexStoreTest, NewFileGetsFolderWalAndLargePages) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("a/b/index.db");
  {
    auto store = IndexStore::Open(path, OpenOptions{.writer = true});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_OK((*store)->UpsertFile(File("/p/x.jpg", Hash('a'))));
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("PRAGMA page_size").getInt(), 16384);
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), kSchemaVersion);
  // Paths are stored as BLOBs, never as (possibly re-encoded) text.
  EXPECT_EQ(raw.execAndGet("SELECT typeof(path) FROM files").getString(), "blob");
}

TEST(IndexStoreTest, FilesRoundTripRawBytePaths) {
  auto store = OpenMemory();
  // Latin-1 bytes, a lone continuation byte, a newline, UTF-8: all stay bytes.
  std::vector<std::string> paths = {"/photos/caf\xe9.jpg", "/photos/\x80\xff\xfe.png",
                                    "/photos/line\nbreak.heic", "/photos/\xc3\xa9t\xc3\xa9.jpg",
                                    std::string("/photos/nul\0inside", 17)};
  for (size_t i = 0; i < paths.size(); ++i) {
    FileRow row = File(paths[i], i == 0 ? "" : Hash(char('a' + i)));
    row.size = 100 + i;
    row.mtime_ns = -5 + int64_t(i);  // negative mtimes exist (pre-1970)
    ASSERT_OK(store->UpsertFile(row));
  }
  auto files = store->LoadFiles();
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    auto it = files->find(paths[i]);
    ASSERT_NE(it, files->end()) << i;
    EXPECT_EQ(it->second.path, paths[i]);
    EXPECT_EQ(it->second.size, 100 + i);
    EXPECT_EQ(it->second.mtime_ns, -5 + int64_t(i));
    EXPECT_EQ(it->second.sha256, i == 0 ? "" : Hash(char('a' + i)));
    EXPECT_EQ(it->second.state, FileState::kPresent);
  }
}

TEST(IndexStoreTest, UpsertFileReplacesTheRow) {
  auto store = OpenMemory();
  ASSERT_OK(store->UpsertFile(File("/a.jpg", Hash('a'))));
  FileRow changed = File("/a.jpg", Hash('b'), FileState::kIgnored);
  changed.size = 99;
  changed.mtime_ns = 7;
  ASSERT_OK(store->UpsertFile(changed));
  auto files = store->LoadFiles();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  const FileRow& row = files->at("/a.jpg");
  EXPECT_EQ(row.size, 99u);
  EXPECT_EQ(row.mtime_ns, 7);
  EXPECT_EQ(row.sha256, Hash('b'));
  EXPECT_EQ(row.state, FileState::kIgnored);
}

TEST(IndexStoreTest, MarkMissingMarksOnlyTheGivenKnownPaths) {
  auto store = OpenMemory();
  ASSERT_OK(store->UpsertFile(File("/keep.jpg", Hash('a'))));
  ASSERT_OK(store->UpsertFile(File("/gone.jpg", Hash('b'))));
  ASSERT_OK(store->UpsertFile(File("/notimage.txt", "", FileState::kIgnored)));
  ASSERT_OK(store->RecordFailure(
      FailureRow{"/broken\xff.jpg", 10, 20, "", "decode", "jpeg: premature end", 1000}));
  auto n = store->MarkMissing({"/gone.jpg", "/notimage.txt", "/broken\xff.jpg", "/never/seen"});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 3);
  auto files = store->LoadFiles();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->at("/keep.jpg").state, FileState::kPresent);
  EXPECT_EQ(files->at("/gone.jpg").state, FileState::kMissing);
  EXPECT_EQ(files->at("/notimage.txt").state, FileState::kMissing);
  EXPECT_EQ(files->at("/broken\xff.jpg").state, FileState::kMissing);
  EXPECT_EQ(files->count("/never/seen"), 0u);
  // The failure of a vanished file is forgotten.
  auto failures = store->LoadFailures();
  ASSERT_TRUE(failures.ok());
  EXPECT_THAT(*failures, IsEmpty());
  // Marking again changes nothing.
  auto again = store->MarkMissing({"/gone.jpg"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST(IndexStoreTest, DropMissingRemovesFilesAndOrphanedResults) {
  auto store = OpenMemory();
  ASSERT_OK(store->RegisterModel("clipfp", "clip", "clip", 2));
  const float v[2] = {0.6f, 0.8f};
  // 'a' is referenced by a present copy and a missing original; 'b' only by
  // a missing file.
  ASSERT_OK(store->UpsertFile(File("/orig.jpg", Hash('a'))));
  ASSERT_OK(store->UpsertFile(File("/copy.jpg", Hash('a'))));
  ASSERT_OK(store->UpsertFile(File("/only.jpg", Hash('b'))));
  for (char c : {'a', 'b'}) {
    ASSERT_OK(store->PutContent(Hash(c), 10, FullMetadata()));
    ASSERT_OK(store->PutEmbedding(Hash(c), "clipfp", v, 2));
    ASSERT_OK(store->PutCaption(Hash(c), "clipfp", "a photo"));
  }
  ASSERT_TRUE(store->MarkMissing({"/orig.jpg", "/only.jpg"}).ok());
  auto removed = store->DropMissing();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 3);  // two files + content 'b'
  auto files = store->LoadFiles();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 1u);
  EXPECT_EQ(files->count("/copy.jpg"), 1u);
  EXPECT_TRUE(*store->HasContent(Hash('a')));
  EXPECT_FALSE(*store->HasContent(Hash('b')));
  EXPECT_TRUE(*store->HasEmbedding(Hash('a'), "clipfp"));
  EXPECT_FALSE(*store->HasEmbedding(Hash('b'), "clipfp"));
  EXPECT_FALSE(*store->HasCaption(Hash('b'), "clipfp"));
  EXPECT_THAT(*store->SearchCaptions("clipfp", "photo", 10), ElementsAre(Hash('a')));
}

TEST(IndexStoreTest, ContentRoundTripWithAndWithoutOptionalFields) {
  auto store = OpenMemory();
  EXPECT_FALSE(*store->HasContent(Hash('a')));
  auto none = store->GetContent(Hash('a'));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  ASSERT_OK(store->PutContent(Hash('a'), 5'000'000, FullMetadata()));
  image::Metadata bare;
  bare.format = image::Format::kPng;
  bare.width = 16;
  bare.height = 8;
  bare.gps = image::GpsPosition{-33.9, 151.2, std::nullopt};
  ASSERT_OK(store->PutContent(Hash('b'), 77, bare));

  EXPECT_TRUE(*store->HasContent(Hash('a')));
  auto full = store->GetContent(Hash('a'));
  ASSERT_TRUE(full.ok() && full->has_value());
  ExpectSameMetadata(**full, FullMetadata());
  auto got = store->GetContent(Hash('b'));
  ASSERT_TRUE(got.ok() && got->has_value());
  ExpectSameMetadata(**got, bare);

  // Replacing keeps one row with the new values.
  image::Metadata rotated = FullMetadata();
  rotated.orientation = 1;
  rotated.lens.reset();
  ASSERT_OK(store->PutContent(Hash('a'), 5'000'000, rotated));
  ExpectSameMetadata(**store->GetContent(Hash('a')), rotated);
  auto stats = store->Stats(0);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->contents, 2);
}

TEST(IndexStoreTest, RecordFailureMarksTheFileFailedUntilCleared) {
  auto store = OpenMemory();
  FailureRow f{"/x/\xfe.jpg", 42, 99, Hash('c'), "decode", "jpeg: premature end of data", 1700};
  ASSERT_OK(store->RecordFailure(f));
  FailureRow g{"/x/a.heic", 1, 2, "", "hash", "read: Input/output error", 1800};
  ASSERT_OK(store->RecordFailure(g));
  g.reason = "read: permission denied";
  ASSERT_OK(store->RecordFailure(g));  // replaces

  auto failures = store->LoadFailures();
  ASSERT_TRUE(failures.ok());
  ASSERT_EQ(failures->size(), 2u);
  const FailureRow& a = (*failures)[0].path == f.path ? (*failures)[0] : (*failures)[1];
  const FailureRow& b = (*failures)[0].path == f.path ? (*failures)[1] : (*failures)[0];
  EXPECT_EQ(a.path, f.path);
  EXPECT_EQ(a.size, 42u);
  EXPECT_EQ(a.mtime_ns, 99);
  EXPECT_EQ(a.sha256, Hash('c'));
  EXPECT_EQ(a.stage, "decode");
  EXPECT_EQ(a.reason, "jpeg: premature end of data");
  EXPECT_EQ(a.at_unix, 1700);
  EXPECT_EQ(b.sha256, "");
  EXPECT_EQ(b.reason, "read: permission denied");

  auto files = store->LoadFiles();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->at(f.path).state, FileState::kFailed);
  EXPECT_EQ(files->at(f.path).size, 42u);

  ASSERT_OK(store->ClearFailure(f.path));
  failures = store->LoadFailures();
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ((*failures)[0].path, "/x/a.heic");
  auto stats = store->Stats(0);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->failures_by_stage.at("hash"), 1);
  EXPECT_EQ(stats->failures_by_stage.count("decode"), 0u);
}

TEST(IndexStoreTest, ModelsRegisterListAndRejectADimChange) {
  auto store = OpenMemory();
  ASSERT_OK(store->RegisterModel("fp-clip", "openai/clip", "clip", 512));
  ASSERT_OK(store->RegisterModel("fp-blip", "salesforce/blip", "blip", 0));
  ASSERT_OK(store->RegisterModel("fp-clip", "renamed/clip", "clip", 512));
  Status bad = store->RegisterModel("fp-clip", "x", "clip", 768);
  EXPECT_TRUE(bad.IsInvalidArgument()) << bad.ToString();
  EXPECT_TRUE(store->RegisterModel("", "x", "clip", 1).IsInvalidArgument());

  auto clip = store->ListModels("clip");
  ASSERT_TRUE(clip.ok());
  ASSERT_EQ(clip->size(), 1u);
  EXPECT_EQ((*clip)[0].fingerprint, "fp-clip");
  EXPECT_EQ((*clip)[0].name, "renamed/clip");
  EXPECT_EQ((*clip)[0].kind, "clip");
  EXPECT_EQ((*clip)[0].dim, 512);
  auto all = store->ListModels("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].fingerprint, "fp-blip");
  EXPECT_TRUE(store->ListModels("nothing")->empty());
}

TEST(IndexStoreTest, EmbeddingsAreKeyedByContentAndModelAndNeverMix) {
  auto store = OpenMemory();
  ASSERT_OK(store->RegisterModel("m1", "clip-a", "clip", 3));
  ASSERT_OK(store->RegisterModel("m2", "clip-b", "clip", 4));
  const float a1[3] = {1, 2, 3};
  const float a2[4] = {-1, -2, -3, -4};
  ASSERT_OK(store->PutEmbedding(Hash('a'), "m1", a1, 3));
  ASSERT_OK(store->PutEmbedding(Hash('a'), "m2", a2, 4));
  EXPECT_TRUE(*store->HasEmbedding(Hash('a'), "m1"));
  EXPECT_TRUE(*store->HasEmbedding(Hash('a'), "m2"));
  EXPECT_FALSE(*store->HasEmbedding(Hash('b'), "m1"));
  EXPECT_FALSE(*store->HasEmbedding(Hash('a'), "unknown"));
  EXPECT_THAT(**store->GetEmbedding(Hash('a'), "m1"), ElementsAre(1, 2, 3));
  EXPECT_THAT(**store->GetEmbedding(Hash('a'), "m2"), ElementsAre(-1, -2, -3, -4));
  EXPECT_FALSE(store->GetEmbedding(Hash('b'), "m1")->has_value());

  // Wrong dim or unknown model: InvalidArgument and nothing stored.
  Status wrong = store->PutEmbedding(Hash('b'), "m1", a2, 4);
  EXPECT_TRUE(wrong.IsInvalidArgument()) << wrong.ToString();
  EXPECT_TRUE(store->PutEmbedding(Hash('b'), "nope", a1, 3).IsInvalidArgument());
  EXPECT_FALSE(*store->HasEmbedding(Hash('b'), "m1"));

  const float a1b[3] = {4, 5, 6};
  ASSERT_OK(store->PutEmbedding(Hash('a'), "m1", a1b, 3));  // replaces
  EXPECT_THAT(**store->GetEmbedding(Hash('a'), "m1"), ElementsAre(4, 5, 6));
  EXPECT_THAT(**store->GetEmbedding(Hash('a'), "m2"), ElementsAre(-1, -2, -3, -4));
}

TEST(IndexStoreTest, ContentsWithResultsListsOneModelsEmbeddingsOrCaptions) {
  auto store = OpenMemory();
  ASSERT_OK(store->RegisterModel("clip", "clip-a", "clip", 1));
  ASSERT_OK(store->RegisterModel("blip", "blip-a", "blip", 0));
  const float v = 1;
  ASSERT_OK(store->PutEmbedding(Hash('a'), "clip", &v, 1));
  ASSERT_OK(store->PutEmbedding(Hash('b'), "clip", &v, 1));
  ASSERT_OK(store->PutCaption(Hash('b'), "blip", "a cat"));
  using Set = std::unordered_set<std::string>;
  EXPECT_EQ(*store->ContentsWithResults("clip", ResultKind::kEmbedding), (Set{Hash('a'), Hash('b')}));
  EXPECT_EQ(*store->ContentsWithResults("clip", ResultKind::kCaption), Set{});
  EXPECT_EQ(*store->ContentsWithResults("blip", ResultKind::kCaption), Set{Hash('b')});
  EXPECT_EQ(*store->ContentsWithResults("unknown", ResultKind::kEmbedding), Set{});
}

TEST(IndexStoreTest, ContentHashesListsEveryContentRow) {
  auto store = OpenMemory();
  EXPECT_TRUE(store->ContentHashes()->empty());
  image::Metadata m;
  m.format = image::Format::kJpeg;
  ASSERT_OK(store->PutContent(Hash('a'), 10, m));
  ASSERT_OK(store->PutContent(Hash('b'), 20, m));
  EXPECT_EQ(*store->ContentHashes(), (std::unordered_set<std::string>{Hash('a'), Hash('b')}));
}

TEST(IndexStoreTest, LoadEmbeddingsReturnsPresentContentsOfOneModel) {
  auto store = OpenMemory();
  ASSERT_OK(store->RegisterModel("m1", "a", "clip", 2));
  ASSERT_OK(store->RegisterModel("m2", "b", "clip", 2));
  ASSERT_OK(store->Begin());
  for (char c : {'d', 'a', 'c', 'b'}) {
    const float v[2] = {float(c), float(c) + 0.5f};
    const float w[2] = {-float(c), 0};
    ASSERT_OK(store->PutEmbedding(Hash(c), "m1", v, 2));
    if (c != 'b') ASSERT_OK(store->PutEmbedding(Hash(c), "m2", w, 2));
  }
  ASSERT_OK(store->UpsertFile(File("/a1.jpg", Hash('a'))));
  ASSERT_OK(store->UpsertFile(File("/a2.jpg", Hash('a'))));  // copy: still one row
  ASSERT_OK(store->UpsertFile(File("/b.jpg", Hash('b'))));
  ASSERT_OK(store->UpsertFile(File("/c.jpg", Hash('c'), FileState::kMissing)));
  ASSERT_OK(store->UpsertFile(File("/d.jpg", Hash('d'))));
  ASSERT_OK(store->Commit());

  auto m1 = store->LoadEmbeddings("m1");
  ASSERT_TRUE(m1.ok()) << m1.status().ToString();
  EXPECT_EQ(m1->dim, 2);
  EXPECT_THAT(m1->sha256, ElementsAre(Hash('a'), Hash('b'), Hash('d')));
  EXPECT_THAT(m1->data, ElementsAre('a', 'a' + 0.5f, 'b', 'b' + 0.5f, 'd', 'd' + 0.5f));
  EXPECT_EQ(m1->row(2)[0], float('d'));
  auto m2 = store->LoadEmbeddings("m2");
  ASSERT_TRUE(m2.ok());
  EXPECT_THAT(m2->sha256, ElementsAre(Hash('a'), Hash('d')));
  EXPECT_THAT(m2->data, ElementsAre(-'a', 0, -'d', 0));

  EXPECT_TRUE(store->LoadEmbeddings("unknown").status().IsNotFound());

  // The streaming form visits the same rows in the same order.
  std::vector<std::string> seen;
  std::vector<float> values;
  ASSERT_OK(store->ScanEmbeddings("m1", [&](std::string_view sha, std::span<const float> v) {
    seen.emplace_back(sha);
    values.insert(values.end(), v.begin(), v.end());
  }));
  EXPECT_EQ(seen, m1->sha256);
  EXPECT_EQ(values, m1->data);
  EXPECT_TRUE(store->ScanEmbeddings("unknown", [](auto, auto) {}).IsNotFound());
  ASSERT_OK(store->RegisterModel("m3", "c", "clip", 8));
  auto empty = store->LoadEmbeddings("m3");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->rows(), 0u);
  EXPECT_EQ(empty->dim, 8);
}

TEST(IndexStoreTest, CaptionsRoundTripAndWordSearch) {
  auto store = OpenMemory();
  ASSERT_OK(store->RegisterModel("blip", "blip-base", "blip", 0));
  ASSERT_OK(store->RegisterModel("blip2", "blip-large", "blip", 0));
  EXPECT_FALSE(*store->HasCaption(Hash('a'), "blip"));
  EXPECT_FALSE(store->GetCaption(Hash('a'), "blip")->has_value());
  ASSERT_OK(store->PutCaption(Hash('a'), "blip", "a dog running on the Beach"));
  const int64_t ids[] = {101, 1037, 3899, 102};
  ASSERT_OK(store->PutCaption(Hash('b'), "blip", "two dogs and a cat's toy", ids));
  ASSERT_OK(store->PutCaption(Hash('c'), "blip2", "a dog on a beach"));
  EXPECT_TRUE(store->PutCaption(Hash('d'), "unknown", "x").IsInvalidArgument());
  EXPECT_TRUE(*store->HasCaption(Hash('a'), "blip"));
  EXPECT_FALSE(*store->HasCaption(Hash('a'), "blip2"));
  EXPECT_EQ(**store->GetCaption(Hash('b'), "blip"), "two dogs and a cat's toy");

  EXPECT_THAT(*store->SearchCaptions("blip", "DOG beach", 10), ElementsAre(Hash('a')));
  EXPECT_THAT(*store->SearchCaptions("blip2", "dog beach", 10), ElementsAre(Hash('c')));
  EXPECT_THAT(*store->SearchCaptions("blip", "cat's", 10), ElementsAre(Hash('b')));
  // Query syntax is never interpreted: these are just words.
  EXPECT_THAT(*store->SearchCaptions("blip", "dog AND \"beach", 10), IsEmpty());
  EXPECT_THAT(*store->SearchCaptions("blip", "  ", 10), IsEmpty());
  EXPECT_THAT(*store->SearchCaptions("unknown", "dog", 10), IsEmpty());

  // Replacing a caption re-indexes it.
  ASSERT_OK(store->PutCaption(Hash('a'), "blip", "a cat sleeping"));
  EXPECT_THAT(*store->SearchCaptions("blip", "beach", 10), IsEmpty());
  EXPECT_THAT(*store->SearchCaptions("blip", "cat sleeping", 10), ElementsAre(Hash('a')));
  EXPECT_EQ(store->SearchCaptions("blip", "a", 1)->size(), 1u);
}

TEST(IndexStoreTest, LookupPhotosForSearchResults) {
  auto store = OpenMemory();
  ASSERT_OK(store->RegisterModel("blip", "blip", "blip", 0));
  ASSERT_OK(store->UpsertFile(File("/z/copy.jpg", Hash('a'))));
  ASSERT_OK(store->UpsertFile(File("/a/orig.jpg", Hash('a'))));
  ASSERT_OK(store->UpsertFile(File("/a/old.jpg", Hash('a'), FileState::kMissing)));
  ASSERT_OK(store->UpsertFile(File("/b.png", Hash('b'))));
  ASSERT_OK(store->UpsertFile(File("/gone.png", Hash('c'), FileState::kMissing)));
  ASSERT_OK(store->PutContent(Hash('a'), 111, FullMetadata()));
  image::Metadata png;
  png.format = image::Format::kPng;
  png.width = 640;
  png.height = 480;
  ASSERT_OK(store->PutContent(Hash('b'), 222, png));
  ASSERT_OK(store->PutContent(Hash('c'), 333, png));
  ASSERT_OK(store->PutCaption(Hash('b'), "blip", "a red car"));

  auto rows = store->LookupPhotos({Hash('b'), Hash('c'), Hash('a'), Hash('e')}, "blip");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);  // 'c' is missing, 'e' unknown
  const PhotoRow& b = (*rows)[0];
  EXPECT_EQ(b.sha256, Hash('b'));
  EXPECT_THAT(b.paths, ElementsAre("/b.png"));
  EXPECT_EQ(b.size, 222u);
  EXPECT_EQ(b.metadata.width, 640);
  EXPECT_EQ(b.caption, "a red car");
  const PhotoRow& a = (*rows)[1];
  EXPECT_THAT(a.paths, ElementsAre("/a/orig.jpg", "/z/copy.jpg"));
  ExpectSameMetadata(a.metadata, FullMetadata());
  EXPECT_FALSE(a.caption.has_value());

  auto no_captions = store->LookupPhotos({Hash('b')}, "");
  ASSERT_TRUE(no_captions.ok());
  EXPECT_FALSE((*no_captions)[0].caption.has_value());
}

TEST(IndexStoreTest, RunsAndStats) {
  auto store = OpenMemory();
  auto r1 = store->BeginRun(1000);
  ASSERT_TRUE(r1.ok());
  ASSERT_OK(store->EndRun(*r1, 1010, R"({"seen":3})"));
  auto r2 = store->BeginRun(2000);
  ASSERT_TRUE(r2.ok());
  EXPECT_NE(*r1, *r2);
  EXPECT_TRUE(store->EndRun(*r2 + 100, 1, "{}").IsNotFound());

  ASSERT_OK(store->RegisterModel("clip", "c", "clip", 1));
  ASSERT_OK(store->RegisterModel("blip", "b", "blip", 0));
  const float v[1] = {1};
  ASSERT_OK(store->PutEmbedding(Hash('a'), "clip", v, 1));
  ASSERT_OK(store->PutEmbedding(Hash('b'), "clip", v, 1));
  ASSERT_OK(store->PutCaption(Hash('a'), "blip", "x"));
  ASSERT_OK(store->UpsertFile(File("/1", Hash('a'))));
  ASSERT_OK(store->UpsertFile(File("/2", Hash('b'))));
  ASSERT_OK(store->UpsertFile(File("/3", Hash('b'), FileState::kMissing)));
  ASSERT_OK(store->UpsertFile(File("/4", "", FileState::kIgnored)));
  ASSERT_OK(store->RecordFailure(FailureRow{"/5", 1, 1, "", "decode", "bad", 1}));
  ASSERT_OK(store->RecordFailure(FailureRow{"/6", 1, 1, "", "decode", "bad", 1}));
  ASSERT_OK(store->PutContent(Hash('a'), 1, FullMetadata()));

  auto s = store->Stats(5);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->files_present, 2);
  EXPECT_EQ(s->files_missing, 1);
  EXPECT_EQ(s->files_ignored, 1);
  EXPECT_EQ(s->files_failed, 2);
  EXPECT_EQ(s->contents, 1);
  EXPECT_EQ(s->failures_by_stage.at("decode"), 2);
  ASSERT_EQ(s->models.size(), 2u);
  EXPECT_EQ(s->models[0].model.fingerprint, "blip");
  EXPECT_EQ(s->models[0].captions, 1);
  EXPECT_EQ(s->models[1].embeddings, 2);
  ASSERT_EQ(s->last_runs.size(), 2u);
  EXPECT_EQ(s->last_runs[0].id, *r2);  // newest first
  EXPECT_FALSE(s->last_runs[0].ended_unix.has_value());
  EXPECT_EQ(s->last_runs[1].ended_unix, 1010);
  EXPECT_EQ(s->last_runs[1].summary_json, R"({"seen":3})");
  EXPECT_EQ(store->Stats(1)->last_runs.size(), 1u);
}

TEST(IndexStoreTest, TransactionsCommitRollBackAndRejectMisuse) {
  auto store = OpenMemory();
  EXPECT_TRUE(store->Commit().IsInvalidArgument());
  EXPECT_TRUE(store->Rollback().IsInvalidArgument());
  ASSERT_OK(store->Begin());
  EXPECT_TRUE(store->in_transaction());
  EXPECT_TRUE(store->Begin().IsInvalidArgument());
  ASSERT_OK(store->UpsertFile(File("/kept.jpg", Hash('a'))));
  ASSERT_OK(store->Commit());
  EXPECT_FALSE(store->in_transaction());

  ASSERT_OK(store->Begin());
  ASSERT_OK(store->UpsertFile(File("/dropped.jpg", Hash('b'))));
  ASSERT_OK(store->RegisterModel("m", "m", "clip", 1));
  ASSERT_OK(store->Rollback());
  auto files = store->LoadFiles();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 1u);
  EXPECT_EQ(files->count("/kept.jpg"), 1u);
  // The rolled-back model is not remembered either.
  const float v[1] = {1};
  EXPECT_TRUE(store->PutEmbedding(Hash('a'), "m", v, 1).IsInvalidArgument());
  // Multi-statement writes inside a batch stay part of it.
  ASSERT_OK(store->Begin());
  ASSERT_TRUE(store->MarkMissing({"/kept.jpg"}).ok());
  ASSERT_OK(store->Rollback());
  EXPECT_EQ(store->LoadFiles()->at("/kept.jpg").state, FileState::kPresent);
}

TEST(IndexStoreTest, DestructorRollsBackTheBatchInFlight) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("index.db");
  {
    auto store = IndexStore::Open(path, OpenOptions{.writer = true});
    ASSERT_TRUE(store.ok());
    ASSERT_OK((*store)->UpsertFile(File("/committed.jpg", Hash('a'))));
    ASSERT_OK((*store)->Begin());
    ASSERT_OK((*store)->UpsertFile(File("/in-flight.jpg", Hash('b'))));
  }
  auto store = IndexStore::Open(path, OpenOptions{.writer = false, .create = false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto files = (*store)->LoadFiles();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 1u);
  EXPECT_EQ(files->count("/committed.jpg"), 1u);
}

TEST(IndexStoreTest, OpenErrorsNameThePath) {
  test::ScopedTempDir dir;
  // A folder cannot be created under a regular file.
  std::string blocker = dir.Join("plainfile");
  std::ofstream(blocker) << "x";
  std::string path = blocker + "/sub/index.db";
  auto under_file = IndexStore::Open(path, OpenOptions{.writer = true});
  ASSERT_FALSE(under_file.ok());
  EXPECT_TRUE(under_file.status().IsIOError()) << under_file.status().ToString();
  EXPECT_THAT(under_file.status().message(), HasSubstr(path));

  auto missing = IndexStore::Open(dir.Join("none.db"), OpenOptions{.create = false});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir.Join("none.db")));

  std::string garbage = dir.Join("garbage.db");
  std::ofstream(garbage) << std::string(8192, 'G');
  auto corrupt = IndexStore::Open(garbage, OpenOptions{});
  ASSERT_FALSE(corrupt.ok());
  EXPECT_TRUE(corrupt.status().IsCorruption()) << corrupt.status().ToString();
  EXPECT_THAT(corrupt.status().message(), HasSubstr(garbage));

  auto folder = IndexStore::Open(dir.path(), OpenOptions{});
  ASSERT_FALSE(folder.ok());
  EXPECT_TRUE(folder.status().IsIOError()) << folder.status().ToString();
}

TEST(IndexStoreTest, ReaderSeesWhatTheWriterCommitted) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("index.db");
  auto writer = IndexStore::Open(path, OpenOptions{.writer = true});
  ASSERT_TRUE(writer.ok());
  auto reader = IndexStore::Open(path, OpenOptions{.writer = false, .create = false});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_OK((*writer)->Begin());
  ASSERT_OK((*writer)->UpsertFile(File("/a.jpg", Hash('a'))));
  EXPECT_TRUE((*reader)->LoadFiles()->empty());  // not committed yet
  ASSERT_OK((*writer)->Commit());
  EXPECT_EQ((*reader)->LoadFiles()->size(), 1u);
}

}  // namespace
}  // namespace photoidx::index
