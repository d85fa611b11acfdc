// BeamSearch with scripted logits: the transformers 4.40 rules of
// beam_search.h worked through by hand (logits = log(p), so the log-softmax
// scores are log p), and batches equal items one at a time.
#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/models/blip/beam_search.h"

namespace photoidx::models::blip {
namespace {

// Tokens of the scripted vocabulary.
constexpr int64_t kPad = 0, kEos = 1, kA = 2, kB = 3, kBos = 4;
constexpr int64_t kVocab = 5;

using Probs = std::map<int64_t, double>;  // token -> probability (rest: 0 → tiny)

at::Tensor Row(const Probs& p) {
  at::Tensor row = at::full({kVocab}, std::log(1e-6), at::kFloat);
  for (const auto& [token, prob] : p) row[token] = std::log(prob);
  return row;
}

at::Tensor Rows(const std::vector<Probs>& rows) {
  std::vector<at::Tensor> out;
  for (const Probs& p : rows) out.push_back(Row(p));
  return at::stack(out);
}

std::vector<int64_t> Vec(const at::Tensor& t) {
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

const Probs kStep1 = {{kPad, 0.01}, {kEos, 0.5}, {kA, 0.3}, {kB, 0.19}};
const Probs kAfterA = {{kPad, 0.01}, {kEos, 0.9}, {kA, 0.05}, {kB, 0.04}};
const Probs kAfterB = {{kPad, 0.09}, {kEos, 0.11}, {kA, 0.5}, {kB, 0.3}};
const Probs kAlmostEos = {{kPad, 0.002}, {kEos, 0.99}, {kA, 0.005}, {kB, 0.003}};

// Steps 1-3 of the worked example: eos first (hypothesis [bos], score
// log .5 / 1), then [bos a eos] (log .27 / 2); at step 3 the best candidate
// log(.095 * .99) / 3 cannot beat the worst hypothesis: done.
TEST(BeamSearchTest, WorkedExampleFinishesEarly) {
  BeamSearch search(1, {kBos}, BeamSearchOptions{.num_beams = 2, .max_length = 10,
                                                 .eos_token_id = kEos});
  // Both beams get the prompt logits; only beam 0 counts (-1e9).
  BeamSearch::Next n1 = search.Step(Rows({kStep1, kStep1}));
  EXPECT_EQ(Vec(n1.source_rows), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(Vec(n1.tokens), (std::vector<int64_t>{kA, kB}));
  EXPECT_FALSE(n1.items_changed);
  EXPECT_FALSE(search.finished());

  BeamSearch::Next n2 = search.Step(Rows({kAfterA, kAfterB}));
  EXPECT_EQ(Vec(n2.source_rows), (std::vector<int64_t>{1, 1}));  // both continue [bos b]
  EXPECT_EQ(Vec(n2.tokens), (std::vector<int64_t>{kA, kB}));
  EXPECT_FALSE(search.finished());

  BeamSearch::Next n3 = search.Step(Rows({kAlmostEos, kAlmostEos}));
  EXPECT_TRUE(n3.items_changed);
  EXPECT_EQ(n3.source_rows.numel(), 0);
  EXPECT_TRUE(search.finished());
  std::vector<BeamHypothesis> out = search.Finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ids, (std::vector<int64_t>{kBos, kA, kEos}));
  EXPECT_NEAR(out[0].score, std::log(0.27) / 2, 1e-5);
}

TEST(BeamSearchTest, LengthPenaltyChangesTheWinner) {
  // The same path as above (max_length 4); scores are sum_logprobs / len^lp.
  for (double lp : {0.5, 2.0}) {
    BeamSearch search(1, {kBos}, BeamSearchOptions{.num_beams = 2, .max_length = 4,
                                                   .length_penalty = lp, .eos_token_id = kEos});
    search.Step(Rows({kStep1, kStep1}));
    search.Step(Rows({kAfterA, kAfterB}));
    // lp 0.5: hypotheses [bos] -0.693 and [bos a] log(.27)/sqrt(2) = -0.926;
    // the best candidate is that new hypothesis itself: done at once.
    EXPECT_EQ(search.finished(), lp == 0.5);
    // lp 2: [bos a] log(.27)/4 = -0.327 beats [bos]; at step 3 [bos b a]
    // log(.09405)/9 = -0.263 enters and wins; max_length ends the search.
    if (!search.finished()) search.Step(Rows({kAlmostEos, kAlmostEos}));
    ASSERT_TRUE(search.finished()) << lp;
    std::vector<BeamHypothesis> out = search.Finish();
    if (lp == 2.0) {
      EXPECT_EQ(out[0].ids, (std::vector<int64_t>{kBos, kB, kA, kEos}));
      EXPECT_NEAR(out[0].score, std::log(0.095 * 0.99) / 9, 1e-5);
    } else {
      EXPECT_EQ(out[0].ids, (std::vector<int64_t>{kBos, kEos}));
      EXPECT_NEAR(out[0].score, std::log(0.5), 1e-5);
    }
  }
}

TEST(BeamSearchTest, MinLengthForbidsEos) {
  // min_length 3: the eos score is -inf (after log_softmax, no
  // renormalisation) while the sequence is shorter than 3.
  BeamSearch search(1, {kBos}, BeamSearchOptions{.num_beams = 2, .max_length = 4,
                                                 .min_length = 3, .eos_token_id = kEos});
  BeamSearch::Next n1 = search.Step(Rows({kStep1, kStep1}));
  EXPECT_EQ(Vec(n1.tokens), (std::vector<int64_t>{kA, kB}));
  // Candidates: b-a .095, b-b .057, b-pad .0171, a-a .015 (a-eos .27 barred).
  BeamSearch::Next n2 = search.Step(Rows({kAfterA, kAfterB}));
  EXPECT_EQ(Vec(n2.source_rows), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(Vec(n2.tokens), (std::vector<int64_t>{kA, kB}));
  // Length 3: eos allowed; both beams finish ([bos b a] .09405, [bos b b]
  // .05643); max_length 4 then ends the search, the running beams are worse.
  search.Step(Rows({kAlmostEos, kAlmostEos}));
  ASSERT_TRUE(search.finished());
  std::vector<BeamHypothesis> out = search.Finish();
  EXPECT_EQ(out[0].ids, (std::vector<int64_t>{kBos, kB, kA, kEos}));
  EXPECT_NEAR(out[0].score, std::log(0.095 * 0.99) / 3, 1e-5);
}

TEST(BeamSearchTest, EosBelowTopNumBeamsIsIgnored) {
  // eos is rank 2 of 4 candidates with num_beams 2: skipped, no hypothesis.
  const Probs p = {{kPad, 0.04}, {kEos, 0.06}, {kA, 0.6}, {kB, 0.3}};
  BeamSearch search(1, {kBos}, BeamSearchOptions{.num_beams = 2, .max_length = 2,
                                                 .eos_token_id = kEos});
  search.Step(Rows({p, p}));
  ASSERT_TRUE(search.finished());  // max_length reached
  std::vector<BeamHypothesis> out = search.Finish();
  // The running beams are the hypotheses; at max_length no eos is appended.
  EXPECT_EQ(out[0].ids, (std::vector<int64_t>{kBos, kA}));
  EXPECT_NEAR(out[0].score, std::log(0.6), 1e-5);
}

TEST(BeamSearchTest, MaxLengthFinalisesRunningBeams) {
  const Probs p1 = {{kPad, 0.04}, {kEos, 0.06}, {kA, 0.6}, {kB, 0.3}};
  const Probs after_a = {{kPad, 0.04}, {kEos, 0.06}, {kA, 0.7}, {kB, 0.2}};
  const Probs after_b = {{kPad, 0.06}, {kEos, 0.09}, {kA, 0.5}, {kB, 0.35}};
  BeamSearch search(1, {kBos}, BeamSearchOptions{.num_beams = 2, .max_length = 3,
                                                 .eos_token_id = kEos});
  search.Step(Rows({p1, p1}));
  BeamSearch::Next n = search.Step(Rows({after_a, after_b}));
  EXPECT_EQ(Vec(n.source_rows), (std::vector<int64_t>{0, 1}));  // a-a .42, b-a .15
  ASSERT_TRUE(search.finished());
  std::vector<BeamHypothesis> out = search.Finish();
  EXPECT_EQ(out[0].ids, (std::vector<int64_t>{kBos, kA, kA}));
  EXPECT_NEAR(out[0].score, std::log(0.42) / 2, 1e-5);
}

TEST(BeamHypothesesTest, KeepsTheBestNumBeams) {
  BeamHypotheses h(2, 1.0);
  h.Add({1}, -3.0, 1);
  h.Add({2}, -2.0, 1);
  EXPECT_EQ(h.size(), 2u);
  h.Add({3}, -4.0, 1);  // worse than the worst: not added
  EXPECT_EQ(h.size(), 2u);
  h.Add({4}, -1.0, 1);  // replaces -3
  EXPECT_EQ(h.Best().ids, (std::vector<int64_t>{4}));
  EXPECT_TRUE(h.IsDone(-2.0, 1));   // worst -2 >= -2
  EXPECT_FALSE(h.IsDone(-1.5, 1));  // could still beat -2
  h.Add({5}, -1.0, 1);              // tie with the best: the later one wins
  EXPECT_EQ(h.Best().ids, (std::vector<int64_t>{5}));
}

// Deterministic pseudo-random logits for a row: a function of the item and
// the sequence so far (what a model would compute).
at::Tensor ScriptedLogits(int64_t item, const std::vector<int64_t>& seq, int64_t vocab) {
  uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(item * 7919);
  for (int64_t t : seq) h = (h ^ static_cast<uint64_t>(t)) * 1099511628211ull;
  at::Tensor row = at::empty({vocab}, at::kFloat);
  for (int64_t v = 0; v < vocab; ++v) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    row[v] = static_cast<float>((h >> 40) % 1000) / 100.0f;  // 0 .. 10
  }
  return row;
}

// Runs a search keeping its own (item, sequence) per row, updated only
// from the Next contract, and returns the result.
std::vector<BeamHypothesis> ScriptedSearch(const std::vector<int64_t>& items,
                                           const BeamSearchOptions& options, int64_t vocab) {
  struct RowState {
    int64_t item;
    std::vector<int64_t> seq;
  };
  std::vector<RowState> rows;
  for (int64_t item : items) {
    for (int j = 0; j < options.num_beams; ++j) rows.push_back({item, {kBos}});
  }
  auto logits_of = [&] {
    std::vector<at::Tensor> out;
    for (const RowState& r : rows) out.push_back(ScriptedLogits(r.item, r.seq, vocab));
    return at::stack(out);
  };
  BeamLogitsFn next_logits = [&](const BeamSearch::Next& next) {
    std::vector<RowState> moved;
    std::vector<int64_t> src = Vec(next.source_rows), tok = Vec(next.tokens);
    for (size_t r = 0; r < src.size(); ++r) {
      moved.push_back(rows[src[r]]);
      moved.back().seq.push_back(tok[r]);
    }
    rows = std::move(moved);
    return logits_of();
  };
  return RunBeamSearch(static_cast<int64_t>(items.size()), {kBos}, options, logits_of(),
                       next_logits);
}

TEST(BeamSearchTest, BatchEqualsOneItemAtATime) {
  const int64_t vocab = 12;
  for (int nb : {2, 3, 4}) {
    for (double lp : {0.5, 1.0, 2.0}) {
      BeamSearchOptions o{.num_beams = nb, .max_length = 9, .min_length = 3,
                          .length_penalty = lp, .eos_token_id = kEos};
      std::vector<int64_t> items = {0, 1, 2, 3, 4};
      std::vector<BeamHypothesis> batch = ScriptedSearch(items, o, vocab);
      ASSERT_EQ(batch.size(), items.size());
      for (int64_t item : items) {
        std::vector<BeamHypothesis> alone = ScriptedSearch({item}, o, vocab);
        EXPECT_EQ(batch[item].ids, alone[0].ids) << "nb " << nb << " lp " << lp << " item " << item;
        EXPECT_EQ(batch[item].score, alone[0].score);
        EXPECT_GE(batch[item].ids.size(), 4u);  // min_length 3 + eos at the earliest
        EXPECT_LE(batch[item].ids.size(), 9u);
      }
    }
  }
}

}  // namespace
}  // namespace photoidx::models::blip
