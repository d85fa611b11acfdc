#include "core/models/hf/safetensors.h"

#include <cmath>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace photoidx::models::hf {
namespace {

using test::DataPath;

// A safetensors file: 8-byte little-endian header length, header, data.
std::vector<uint8_t> MakeFile(const std::string& header, size_t data_bytes,
                              uint64_t declared_len = UINT64_MAX) {
  uint64_t n = declared_len == UINT64_MAX ? header.size() : declared_len;
  std::vector<uint8_t> out(8 + header.size() + data_bytes);
  std::memcpy(out.data(), &n, 8);
  if (!header.empty()) std::memcpy(out.data() + 8, header.data(), header.size());
  for (size_t i = 0; i < data_bytes; ++i) out[8 + header.size() + i] = uint8_t(i);
  return out;
}

Status Parse(const std::string& header, size_t data_bytes) {
  return SafeTensors::FromBuffer(MakeFile(header, data_bytes), "mem.safetensors").status();
}

// Asserts a Corruption whose message names the file and `needle`.
void ExpectCorrupt(const Status& s, const std::string& needle) {
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("mem.safetensors"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.ToString();
}

TEST(SafeTensorsTest, OpensClipFixtureFloat32) {
  auto st = SafeTensors::Open(DataPath("models/clip-tiny-quickgelu/model.safetensors"));
  ASSERT_OK(st.status());
  EXPECT_EQ((*st)->tensors().size(), 80u);
  EXPECT_EQ((*st)->metadata().at("format"), "pt");
  const TensorView* emb = (*st)->Find("text_model.embeddings.token_embedding.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->dtype, DType::kF32);
  EXPECT_EQ(emb->shape, (std::vector<int64_t>{49408, 40}));
  EXPECT_EQ(emb->nbytes, 49408u * 40 * 4);
  const TensorView* ls = (*st)->Find("logit_scale");
  ASSERT_NE(ls, nullptr);
  EXPECT_TRUE(ls->shape.empty());
  EXPECT_EQ(ls->numel(), 1);
  float v = 0;
  ASSERT_OK(CopyToFloat32(*ls, &v));
  EXPECT_NEAR(v, std::log(100.0f), 1e-6);  // README: logit_scale 4.605170 (exp = 100)
  EXPECT_EQ((*st)->Find("no.such.tensor"), nullptr);
}

TEST(SafeTensorsTest, PositionIdsAreInt64Range) {
  auto st = SafeTensors::Open(DataPath("models/clip-tiny-quickgelu/model.safetensors"));
  ASSERT_OK(st.status());
  const TensorView* ids = (*st)->Find("text_model.embeddings.position_ids");
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ(ids->dtype, DType::kI64);
  EXPECT_EQ(ids->shape, (std::vector<int64_t>{1, 77}));
  for (int64_t i = 0; i < 77; ++i) {
    int64_t v;
    std::memcpy(&v, ids->data + 8 * i, 8);
    EXPECT_EQ(v, i);
  }
  float dummy[77];
  EXPECT_TRUE(CopyToFloat32(*ids, dummy).IsInvalidArgument());
}

TEST(SafeTensorsTest, OpensFloat16FixtureAndConverts) {
  auto st = SafeTensors::Open(DataPath("models/clip-tiny-gelu-fp16/model.safetensors"));
  ASSERT_OK(st.status());
  EXPECT_EQ((*st)->tensors().size(), 110u);
  const TensorView* ls = (*st)->Find("logit_scale");
  ASSERT_NE(ls, nullptr);
  EXPECT_EQ(ls->dtype, DType::kF16);
  float v = 0;
  ASSERT_OK(CopyToFloat32(*ls, &v));
  EXPECT_FLOAT_EQ(v, 2.66015625f);  // README: logit_scale = 2.660156, exact in float16
  const TensorView* w = (*st)->Find("vision_model.embeddings.patch_embedding.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{48, 3, 16, 16}));
  std::vector<float> f(size_t(w->numel()));
  ASSERT_OK(CopyToFloat32(*w, f.data()));
  for (float x : f) ASSERT_TRUE(std::isfinite(x) && std::fabs(x) < 10);
}

TEST(SafeTensorsTest, BlipFixtureTensorsSortedAndNonOverlapping) {
  auto st = SafeTensors::Open(DataPath("models/blip-tiny/model.safetensors"));
  ASSERT_OK(st.status());
  const auto& ts = (*st)->tensors();
  EXPECT_EQ(ts.size(), 93u);
  for (size_t i = 1; i < ts.size(); ++i) EXPECT_LT(ts[i - 1].name, ts[i].name);
  for (const TensorView& t : ts) {
    EXPECT_EQ(t.nbytes, size_t(t.numel()) * DTypeSize(t.dtype)) << t.name;
    EXPECT_EQ((*st)->Find(t.name), &t);
  }
}

TEST(SafeTensorsTest, HalfToFloatMatchesCompilerForAllPatterns) {
  for (uint32_t b = 0; b < 65536; ++b) {
    uint16_t bits = uint16_t(b);
    _Float16 h;
    std::memcpy(&h, &bits, 2);
    float want = float(h);
    float got = HalfToFloat(bits);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << b;
    } else {
      ASSERT_EQ(std::memcmp(&want, &got, 4), 0) << b << " " << want << " " << got;
    }
  }
  EXPECT_EQ(BFloat16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(BFloat16ToFloat(0xc040), -3.0f);
}

TEST(SafeTensorsTest, ConvertsBf16AndF64) {
  auto st = SafeTensors::FromBuffer(
      MakeFile(R"({"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},)"
               R"("b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}})",
               16),
      "mem.safetensors");
  ASSERT_OK(st.status());
  // Data bytes are 0,1,2,...: a = {0x0100, 0x0302} as bf16.
  float a[2];
  ASSERT_OK(CopyToFloat32(*(*st)->Find("a"), a));
  EXPECT_EQ(a[0], BFloat16ToFloat(0x0100));
  EXPECT_EQ(a[1], BFloat16ToFloat(0x0302));
  float b;
  ASSERT_OK(CopyToFloat32(*(*st)->Find("b"), &b));
  double want;
  const uint8_t raw[8] = {8, 9, 10, 11, 12, 13, 14, 15};
  std::memcpy(&want, raw, 8);
  EXPECT_EQ(b, float(want));
}

TEST(SafeTensorsTest, AcceptsEmptyHeaderObjectAndZeroSizedTensors) {
  EXPECT_OK(Parse("{}", 0));
  EXPECT_OK(Parse(R"({"z":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},)"
                  R"("y":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}})",
                  3));
}

TEST(SafeTensorsTest, RejectsShortFile) {
  auto r = SafeTensors::FromBuffer({1, 2, 3}, "mem.safetensors");
  ExpectCorrupt(r.status(), "shorter than");
}

TEST(SafeTensorsTest, RejectsHeaderLengthPastEnd) {
  auto r = SafeTensors::FromBuffer(MakeFile("{}", 0, 1000), "mem.safetensors");
  ExpectCorrupt(r.status(), "past the end");
}

TEST(SafeTensorsTest, RejectsAbsurdHeaderLength) {
  auto r = SafeTensors::FromBuffer(MakeFile("{}", 0, uint64_t(1) << 40), "mem.safetensors");
  ExpectCorrupt(r.status(), "implausible");
}

TEST(SafeTensorsTest, RejectsBadJsonAndNonObject) {
  ExpectCorrupt(Parse("{\"a\":", 0), "not valid JSON");
  ExpectCorrupt(Parse("[1,2]", 0), "not a JSON object");
  ExpectCorrupt(Parse(R"({"a":5})", 0), "'a': entry is not an object");
}

TEST(SafeTensorsTest, RejectsMissingFields) {
  ExpectCorrupt(Parse(R"({"t":{"shape":[1],"data_offsets":[0,4]}})", 4), "'t': missing dtype");
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","data_offsets":[0,4]}})", 4), "'t': missing shape");
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[1]}})", 4), "'t': missing data_offsets");
}

TEST(SafeTensorsTest, RejectsUnknownDtypeAndRefusesUnsupported) {
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", 4),
                "unknown dtype");
  ExpectCorrupt(Parse(R"({"t":{"dtype":7,"shape":[1],"data_offsets":[0,4]}})", 4),
                "dtype is not a string");
  Status s = Parse(R"({"t":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})", 4);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
}

TEST(SafeTensorsTest, RejectsBadShapes) {
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
                "negative dimension");
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4),
                "not a non-negative integer");
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":3,"data_offsets":[0,4]}})", 4),
                "shape is not an array");
}

TEST(SafeTensorsTest, RejectsBadOffsets) {
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4),
                "begin > end");
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4),
                "not [begin, end]");
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 4),
                "not [begin, end]");
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4),
                "past the data section");
}

TEST(SafeTensorsTest, RejectsSizeMismatchAndOverflow) {
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 8),
                "'t': data_offsets span 4 bytes but shape x dtype size is 8");
  // 2^62 elements * 4 bytes wraps to 0 in 64 bits: must not be accepted.
  ExpectCorrupt(Parse(R"({"t":{"dtype":"F32","shape":[4611686018427387904],)"
                      R"("data_offsets":[0,0]}})",
                      0),
                "overflows");
  ExpectCorrupt(Parse(R"({"t":{"dtype":"U8","shape":[4294967296,4294967296],)"
                      R"("data_offsets":[0,0]}})",
                      0),
                "overflows");
}

TEST(SafeTensorsTest, RejectsOverlappingTensors) {
  ExpectCorrupt(Parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                      R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                      8),
                "'b': overlaps tensor 'a'");
}

TEST(SafeTensorsTest, RejectsNonStringMetadata) {
  ExpectCorrupt(Parse(R"({"__metadata__":{"format":1}})", 0), "__metadata__");
}

TEST(SafeTensorsTest, OpenReportsMissingAndTruncatedFiles) {
  test::ScopedTempDir dir;
  auto missing = SafeTensors::Open(dir.Join("nope.safetensors"));
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_TRUE(SafeTensors::Open(dir.path()).status().IsIOError());

  // A real checkpoint cut in half: its last tensors end past the data section.
  std::vector<uint8_t> bytes =
      test::ReadFileBytes(DataPath("models/clip-tiny-quickgelu/model.safetensors"));
  bytes.resize(bytes.size() / 2);
  std::string path = dir.Join("half.safetensors");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  Status s = SafeTensors::Open(path).status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos);
  EXPECT_NE(s.message().find("past the data section"), std::string::npos) << s.ToString();

  std::string empty = dir.Join("empty.safetensors");
  std::ofstream(empty, std::ios::binary).flush();
  EXPECT_TRUE(SafeTensors::Open(empty).status().IsCorruption());
}

}  // namespace
}  // namespace photoidx::models::hf
