// The read queries of export and dupes: ScanPresentFiles, LoadSharedContents
// and PresentContents.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/index/index_store.h"
#include "tests/testutil.h"

namespace photoidx::index {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string Hash(char c) { return std::string(64, c); }

class ExportQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = IndexStore::Open(":memory:", {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  void AddFile(const std::string& path, const std::string& sha,
               FileState state = FileState::kPresent) {
    ASSERT_OK(store_->UpsertFile(FileRow{path, 99, 1, sha, state}));
  }

  void AddContent(char c, uint64_t size) {
    image::Metadata m;
    m.format = image::Format::kPng;
    m.width = 640;
    m.height = 480;
    m.orientation = 6;
    m.date_taken = "2021-06-30T12:00:00";
    m.make = std::string("Canon") + c;
    m.gps = image::GpsPosition{48.5, -2.25, std::nullopt};
    ASSERT_OK(store_->PutContent(Hash(c), size, m));
  }

  std::vector<PresentFile> ScanAll() {
    std::vector<PresentFile> out;
    EXPECT_OK(store_->ScanPresentFiles([&](const PresentFile& f) {
      out.push_back(f);
      return Status::OK();
    }));
    return out;
  }

  std::unique_ptr<IndexStore> store_;
};

TEST_F(ExportQueriesTest, ScanPresentFilesInByteOrderWithTheirContent) {
  AddContent('a', 1000);
  AddContent('b', 2000);
  AddFile("/p/\xff-not-utf8.jpg", Hash('a'));  // 0xff sorts after every ASCII byte
  AddFile("/p/b.jpg", Hash('b'));
  AddFile("/p/a.jpg", Hash('a'));
  AddFile("/p/B.jpg", Hash('b'));                    // 'B' < 'a' < 'b' in bytes
  AddFile("/p/gone.jpg", Hash('a'), FileState::kMissing);
  AddFile("/p/bad.jpg", Hash('c'), FileState::kFailed);
  AddFile("/p/notes.txt", Hash('d'), FileState::kIgnored);
  AddFile("/p/unhashed.jpg", "");                    // present but never hashed: no content
  AddFile("/p/no-content-row.jpg", Hash('e'));       // hashed, contents row absent
  std::vector<PresentFile> files = ScanAll();
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.path);
  EXPECT_THAT(paths, ElementsAre("/p/B.jpg", "/p/a.jpg", "/p/b.jpg", "/p/no-content-row.jpg",
                                 "/p/\xff-not-utf8.jpg"));
  const PresentFile& b = files[0];
  EXPECT_EQ(b.sha256, Hash('b'));
  EXPECT_EQ(b.size, 2000u);
  ASSERT_TRUE(b.metadata.has_value());
  EXPECT_EQ(b.metadata->format, image::Format::kPng);
  EXPECT_EQ(b.metadata->width, 640);
  EXPECT_EQ(b.metadata->height, 480);
  EXPECT_EQ(b.metadata->orientation, 6);
  EXPECT_EQ(b.metadata->date_taken, "2021-06-30T12:00:00");
  EXPECT_EQ(b.metadata->make, "Canonb");
  EXPECT_FALSE(b.metadata->model.has_value());
  ASSERT_TRUE(b.metadata->gps.has_value());
  EXPECT_EQ(b.metadata->gps->latitude, 48.5);
  EXPECT_EQ(b.metadata->gps->longitude, -2.25);
  EXPECT_FALSE(b.metadata->gps->altitude.has_value());
  EXPECT_EQ(files[1].size, 1000u);
  EXPECT_FALSE(files[3].metadata.has_value());
  EXPECT_EQ(files[3].size, 0u);
}

TEST_F(ExportQueriesTest, VisitorErrorStopsTheScanAndOtherReadsWorkInside) {
  AddContent('a', 1);
  ASSERT_OK(store_->RegisterModel("blip-fp", "blip", "blip", 0));
  ASSERT_OK(store_->PutCaption(Hash('a'), "blip-fp", "a cat"));
  for (const char* p : {"/1", "/2", "/3"}) AddFile(p, Hash('a'));
  int calls = 0;
  Status st = store_->ScanPresentFiles([&](const PresentFile& f) {
    auto caption = store_->GetCaption(f.sha256, "blip-fp");  // nested read
    EXPECT_TRUE(caption.ok() && *caption == "a cat");
    return ++calls == 2 ? Status::IOError("stdout", "closed") : Status::OK();
  });
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(ScanAll().size(), 3u);  // the statement was reset: a new scan starts over
}

TEST_F(ExportQueriesTest, SharedContentsAreThoseOfTwoOrMorePresentFiles) {
  AddFile("/z", Hash('a'));
  AddFile("/y", Hash('a'));
  AddFile("/x", Hash('a'), FileState::kMissing);
  AddFile("/b1", Hash('b'));
  AddFile("/b2", Hash('b'), FileState::kFailed);  // one present file only
  AddFile("/c2", Hash('c'));
  AddFile("/c1", Hash('c'));
  AddFile("/u1", "");  // unhashed files share no content
  AddFile("/u2", "");
  auto shared = store_->LoadSharedContents();
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  ASSERT_EQ(shared->size(), 2u);
  EXPECT_EQ((*shared)[0].sha256, Hash('a'));
  EXPECT_THAT((*shared)[0].paths, ElementsAre("/y", "/z"));
  EXPECT_EQ((*shared)[1].sha256, Hash('c'));
  EXPECT_THAT((*shared)[1].paths, ElementsAre("/c1", "/c2"));
}

TEST_F(ExportQueriesTest, PresentContentsAreDistinctAndSorted) {
  auto none = store_->PresentContents();
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
  AddFile("/1", Hash('c'));
  AddFile("/2", Hash('a'));
  AddFile("/3", Hash('c'));
  AddFile("/4", Hash('b'), FileState::kMissing);
  AddFile("/5", "");
  auto present = store_->PresentContents();
  ASSERT_TRUE(present.ok());
  EXPECT_THAT(*present, ElementsAre(Hash('a'), Hash('c')));
}

}  // namespace
}  // namespace photoidx::index
