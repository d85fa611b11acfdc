// core/models/torch: safetensors views -> owned torch tensors, the strict
// loader's all-in-one error report, and the device/dtype rules.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/models/hf/safetensors.h"
#include "core/models/runtime.h"
#include "core/models/torch/device.h"
#include "core/models/torch/state_dict.h"
#include "tests/testutil.h"

namespace photoidx::models::torchutil {
namespace {

// A safetensors buffer with the tensors given as (name, dtype, shape, raw
// bytes); `pad` spaces are added to the header so that data can start at
// an odd address.
std::vector<uint8_t> MakeFile(
    const std::vector<std::tuple<std::string, std::string, std::string, std::vector<uint8_t>>>& ts,
    size_t pad = 0) {
  std::string header = "{";
  std::vector<uint8_t> data;
  for (const auto& [name, dtype, shape, bytes] : ts) {
    if (header.size() > 1) header += ",";
    header += "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
              ",\"data_offsets\":[" + std::to_string(data.size()) + "," +
              std::to_string(data.size() + bytes.size()) + "]}";
    data.insert(data.end(), bytes.begin(), bytes.end());
  }
  header += "}" + std::string(pad, ' ');
  uint64_t n = header.size();
  std::vector<uint8_t> out(8 + header.size() + data.size());
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  if (!data.empty()) std::memcpy(out.data() + 8 + header.size(), data.data(), data.size());
  return out;
}

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::shared_ptr<hf::SafeTensors> Open(std::vector<uint8_t> bytes) {
  auto r = hf::SafeTensors::FromBuffer(std::move(bytes), "test.safetensors");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

TEST(ToTensorTest, ConvertsF16AndBf16ToFloat32) {
  // 1.0, -2.0, 0.5 as IEEE half and as bfloat16.
  auto st = Open(MakeFile({{"h", "F16", "[3]", Bytes<uint16_t>({0x3C00, 0xC000, 0x3800})},
                           {"b", "BF16", "[3]", Bytes<uint16_t>({0x3F80, 0xC000, 0x3F00})}}));
  ASSERT_TRUE(st);
  for (const char* name : {"h", "b"}) {
    auto t = ToTensor(*st->Find(name), at::kFloat, at::kCPU);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_TRUE(at::equal(*t, at::tensor({1.0f, -2.0f, 0.5f}))) << name;
  }
}

TEST(ToTensorTest, OwnsItsMemoryEvenForSameDtype) {
  auto st = Open(MakeFile({{"w", "F32", "[2, 2]", Bytes<float>({1, 2, 3, 4})}}));
  ASSERT_TRUE(st);
  auto t = ToTensor(*st->Find("w"), at::kFloat, at::kCPU);
  ASSERT_TRUE(t.ok());
  EXPECT_NE(t->data_ptr(), static_cast<const void*>(st->Find("w")->data));
  t->add_(1);  // writing must not touch the file's bytes
  float first;
  std::memcpy(&first, st->Find("w")->data, 4);
  EXPECT_EQ(first, 1.0f);
  EXPECT_EQ(t->sizes(), (std::vector<int64_t>{2, 2}));
}

TEST(ToTensorTest, HandlesUnalignedData) {
  for (size_t pad = 0; pad < 8; ++pad) {
    auto st = Open(MakeFile({{"w", "F32", "[3]", Bytes<float>({1.5f, -2, 3})}}, pad));
    ASSERT_TRUE(st);
    auto t = ToTensor(*st->Find("w"), at::kBFloat16, at::kCPU);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(at::equal(t->to(at::kFloat), at::tensor({1.5f, -2.0f, 3.0f}))) << "pad " << pad;
  }
}

TEST(StrictLoaderTest, ReportsEveryProblemByNameAndLoadsNothing) {
  auto st = Open(MakeFile({{"a", "F32", "[2]", Bytes<float>({1, 2})},
                           {"b", "F32", "[2]", Bytes<float>({1, 2})},
                           {"c", "I64", "[1]", Bytes<int64_t>({7})},
                           {"pos_ids", "I64", "[1]", Bytes<int64_t>({0})},
                           {"stray", "F32", "[1]", Bytes<float>({0})}}));
  ASSERT_TRUE(st);
  at::Tensor a, b, c, d;
  StrictLoader loader(st, at::kFloat, at::kCPU);
  loader.Expect("a", {2}, &a);
  loader.Expect("b", {3}, &b);
  loader.Expect("c", {1}, &c);
  loader.Expect("d", {4}, &d);
  loader.Optional("pos_ids");
  Status s = loader.Finish();
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  for (const char* needle :
       {"1 missing tensor(s): d", "b has shape [2], expected [3]",
        "c is I64, expected a floating-point type", "1 unexpected tensor(s): stray"}) {
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(s.message().find("pos_ids"), std::string::npos);
  EXPECT_FALSE(a.defined()) << "nothing is converted on a failed load";
}

TEST(StrictLoaderTest, LoadsRequestedTensorsInTheirDtypes) {
  auto st = Open(MakeFile({{"w", "F16", "[2]", Bytes<uint16_t>({0x3C00, 0x4000})},
                           {"ln", "F16", "[2]", Bytes<uint16_t>({0x3C00, 0x3C00})},
                           {"other", "F32", "[1]", Bytes<float>({1})}}));
  ASSERT_TRUE(st);
  at::Tensor w, ln;
  StrictLoader loader(st, at::kBFloat16, at::kCPU);
  loader.Expect("w", {2}, &w);
  loader.Expect("ln", {2}, &ln, at::kFloat);
  loader.Expect("other", {1}, nullptr);  // validated, not loaded
  ASSERT_OK(loader.Finish());
  EXPECT_EQ(w.scalar_type(), at::kBFloat16);
  EXPECT_EQ(ln.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(w.to(at::kFloat), at::tensor({1.0f, 2.0f})));
}

TEST(PlacementTest, AppliesTheDeviceAndDtypeRules) {
  ModelOptions o;
  o.device = Device::kCpu;
  o.dtype = DType::kFp16;
  EXPECT_TRUE(ResolvePlacement(o).status().IsInvalidArgument());
  o.dtype = DType::kFp32;
  auto p = ResolvePlacement(o);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dtype, at::kFloat);
  EXPECT_TRUE(p->device.is_cpu());
  o.dtype = DType::kBf16;
  EXPECT_EQ(ResolvePlacement(o)->dtype, at::kBFloat16);
  o.dtype = DType::kAuto;
  if (!CudaAvailable()) {
    o.device = Device::kAuto;
    auto a = ResolvePlacement(o);
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a->device.is_cpu());
    EXPECT_EQ(a->dtype, CpuHasNativeBf16() ? at::kBFloat16 : at::kFloat);
    o.device = Device::kCuda;
    EXPECT_TRUE(ResolvePlacement(o).status().IsNotSupported());
  }
}

TEST(PlacementTest, SetsTheThreadCountExplicitly) {
  EXPECT_EQ(SetTorchThreads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  int all = SetTorchThreads(0);
  EXPECT_GE(all, 1);
  EXPECT_EQ(at::get_num_threads(), all);
}

TEST(RuntimeTest, MemoryProbesAreSafeWithoutAGpu) {
  if (CudaAvailable()) GTEST_SKIP() << "a GPU is present";
  ResetAcceleratorPeak();
  ReleaseAcceleratorCache();
  AcceleratorMemory m = QueryAcceleratorMemory();
  EXPECT_FALSE(m.available);
  EXPECT_EQ(m.allocated, 0);
}

}  // namespace
}  // namespace photoidx::models::torchutil
