// transformers 4.40 beam search (see beam_search.h for the rules).
#include "core/models/blip/beam_search.h"

#include <cmath>
#include <limits>
#include <utility>

#include "core/base/check.h"

namespace photoidx::models::blip {
namespace {

// transformers initialises every beam but the first at -1e9 so that the
// first step expands beam 0 only.
constexpr float kInactiveBeamScore = -1e9f;

at::Tensor LongTensor(const std::vector<int64_t>& v) {
  return at::tensor(v, at::TensorOptions().dtype(at::kLong));
}

}  // namespace

BeamHypotheses::BeamHypotheses(int num_beams, double length_penalty)
    : num_beams_(num_beams), length_penalty_(length_penalty) {}

void BeamHypotheses::Add(std::vector<int64_t> ids, double sum_logprobs, int64_t generated_len) {
  const double score = sum_logprobs / std::pow(static_cast<double>(generated_len), length_penalty_);
  if (static_cast<int>(beams_.size()) < num_beams_ || score > worst_score_) {
    beams_.push_back(BeamHypothesis{std::move(ids), score});
    if (static_cast<int>(beams_.size()) > num_beams_) {
      // Drop the lowest score (the first one on ties: sorted (score, index)).
      size_t worst = 0;
      for (size_t i = 1; i < beams_.size(); ++i) {
        if (beams_[i].score < beams_[worst].score) worst = i;
      }
      beams_.erase(beams_.begin() + static_cast<std::ptrdiff_t>(worst));
      worst_score_ = beams_[0].score;
      for (const BeamHypothesis& b : beams_) worst_score_ = std::min(worst_score_, b.score);
    } else {
      worst_score_ = std::min(score, worst_score_);
    }
  }
}

bool BeamHypotheses::IsDone(double best_sum_logprobs, int64_t generated_len) const {
  if (static_cast<int>(beams_.size()) < num_beams_) return false;
  // early_stopping=False: compare with the best this step could still reach.
  const double highest = best_sum_logprobs /
                         std::pow(static_cast<double>(generated_len), length_penalty_);
  return worst_score_ >= highest;
}

const BeamHypothesis& BeamHypotheses::Best() const {
  PHOTOIDX_CHECK(!beams_.empty());
  size_t best = 0;
  for (size_t i = 1; i < beams_.size(); ++i) {
    if (beams_[i].score >= beams_[best].score) best = i;
  }
  return beams_[best];
}

BeamSearch::BeamSearch(int64_t batch, std::vector<int64_t> prompt, BeamSearchOptions options)
    : options_(options),
      prompt_len_(static_cast<int64_t>(prompt.size())),
      cur_len_(static_cast<int64_t>(prompt.size())) {
  PHOTOIDX_CHECK(options.num_beams >= 1 && !prompt.empty() && batch >= 0);
  const int nb = options.num_beams;
  for (int64_t b = 0; b < batch; ++b) {
    active_.push_back(b);
    hyps_.emplace_back(nb, options.length_penalty);
    for (int j = 0; j < nb; ++j) {
      seqs_.push_back(prompt);
      beam_scores_.push_back(j == 0 ? 0.0f : kInactiveBeamScore);
    }
  }
  done_.assign(batch, false);
}

bool BeamSearch::finished() const {
  return active_.empty() || cur_len_ >= options_.max_length;
}

void BeamSearch::ProcessItem(size_t item_pos, const float* top_scores, const int64_t* top_ids,
                             int64_t vocab, std::vector<int64_t>* next_rows,
                             std::vector<int64_t>* next_tokens, std::vector<float>* next_scores) {
  const int nb = options_.num_beams;
  const int64_t item = active_[item_pos];
  const int64_t generated_len = cur_len_ + 1 - prompt_len_;
  int filled = 0;
  for (int rank = 0; rank < 2 * nb && filled < nb; ++rank) {
    const int64_t token = top_ids[rank] % vocab;
    const int64_t row = static_cast<int64_t>(item_pos) * nb + top_ids[rank] / vocab;
    if (token == options_.eos_token_id) {
      // Only an eos among the top num_beams candidates finishes a sequence.
      if (rank >= nb) continue;
      hyps_[item].Add(seqs_[row], top_scores[rank], generated_len);
    } else {
      next_rows->push_back(row);
      next_tokens->push_back(token);
      next_scores->push_back(top_scores[rank]);
      ++filled;
    }
  }
  // At most one eos per beam among 2*nb candidates: nb beams always fill.
  PHOTOIDX_CHECK(filled == nb);
  done_[item] = hyps_[item].IsDone(top_scores[0], generated_len);
}

BeamSearch::Next BeamSearch::Step(const at::Tensor& logits) {
  const int nb = options_.num_beams;
  const int64_t items = static_cast<int64_t>(active_.size());
  TORCH_CHECK(logits.dim() == 2 && logits.size(0) == items * nb, "beam search: expected ",
              items * nb, " rows of logits, got ", logits.sizes());
  const int64_t vocab = logits.size(1);
  at::Tensor scores = at::log_softmax(logits.to(at::kFloat), -1);
  if (cur_len_ < options_.min_length) {
    scores.select(1, options_.eos_token_id).fill_(-std::numeric_limits<float>::infinity());
  }
  at::Tensor beam = at::tensor(beam_scores_, scores.options());
  scores = (scores + beam.unsqueeze(1)).view({items, nb * vocab});
  auto [top_s, top_i] = scores.topk(2 * nb, 1, /*largest=*/true, /*sorted=*/true);
  top_s = top_s.cpu().contiguous();
  top_i = top_i.cpu().contiguous();

  std::vector<int64_t> rows, tokens, kept;
  std::vector<float> new_scores;
  for (int64_t i = 0; i < items; ++i) {
    const size_t before = rows.size();
    ProcessItem(static_cast<size_t>(i), top_s.data_ptr<float>() + i * 2 * nb,
                top_i.data_ptr<int64_t>() + i * 2 * nb, vocab, &rows, &tokens, &new_scores);
    if (done_[active_[i]]) {
      // A finished item's new beams are never used: drop its rows.
      rows.resize(before);
      tokens.resize(before);
      new_scores.resize(before);
    } else {
      kept.push_back(i);
    }
  }
  std::vector<std::vector<int64_t>> seqs;
  seqs.reserve(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    seqs.push_back(seqs_[rows[r]]);
    seqs.back().push_back(tokens[r]);
  }
  std::vector<int64_t> active;
  for (int64_t i : kept) active.push_back(active_[i]);

  Next next;
  next.items_changed = static_cast<int64_t>(kept.size()) != items;
  next.source_rows = LongTensor(rows);
  next.tokens = LongTensor(tokens);
  next.kept_items = LongTensor(kept);
  seqs_ = std::move(seqs);
  beam_scores_ = std::move(new_scores);
  active_ = std::move(active);
  ++cur_len_;
  return next;
}

std::vector<BeamHypothesis> BeamSearch::Finish() {
  const int nb = options_.num_beams;
  // Items still running at max_length add their beams as they stand.
  for (size_t i = 0; i < active_.size(); ++i) {
    for (int j = 0; j < nb; ++j) {
      const size_t row = i * nb + j;
      hyps_[active_[i]].Add(std::move(seqs_[row]), beam_scores_[row], cur_len_ - prompt_len_);
    }
  }
  active_.clear();
  std::vector<BeamHypothesis> out;
  for (const BeamHypotheses& h : hyps_) {
    BeamHypothesis best = h.Best();
    if (static_cast<int64_t>(best.ids.size()) < options_.max_length) {
      best.ids.push_back(options_.eos_token_id);
    }
    out.push_back(std::move(best));
  }
  return out;
}

std::vector<BeamHypothesis> RunBeamSearch(int64_t batch, const std::vector<int64_t>& prompt,
                                          const BeamSearchOptions& options,
                                          const at::Tensor& first_logits,
                                          const BeamLogitsFn& next_logits) {
  BeamSearch search(batch, prompt, options);
  at::Tensor logits = first_logits;
  while (true) {
    BeamSearch::Next next = search.Step(logits);
    if (search.finished()) break;
    logits = next_logits(next);
  }
  return search.Finish();
}

}  // namespace photoidx::models::blip
