#include "core/search/search.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <unordered_set>

#include "core/base/parallel.h"

namespace photoidx::search {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Applies the folder/date/camera filters; returns the first matching path
// (empty when the photo is filtered out).
std::string Accept(const index::PhotoRow& photo, const SearchOptions& o) {
  const auto& m = photo.metadata;
  if (!o.date_from.empty() || !o.date_to.empty()) {
    if (!m.date_taken) return {};
    const std::string day = m.date_taken->substr(0, 10);
    if (!o.date_from.empty() && day < o.date_from.substr(0, 10)) return {};
    if (!o.date_to.empty() && day > o.date_to.substr(0, 10)) return {};
  }
  if (!o.camera.empty()) {
    const std::string cam = Lower(m.make.value_or("") + " " + m.model.value_or(""));
    if (cam.find(Lower(o.camera)) == std::string::npos) return {};
  }
  for (const auto& path : photo.paths) {
    if (o.folder.empty()) return path;
    const std::string prefix = o.folder.back() == '/' ? o.folder : o.folder + "/";
    if (path.compare(0, prefix.size(), prefix) == 0) return path;
  }
  return {};
}

// Walks `order` (sha256 by rank) in chunks, looking photos up and filtering,
// until top_k hits are collected.
Result<std::vector<SearchHit>> Collect(index::IndexStore& store,
                                       const std::vector<std::string>& order,
                                       const std::vector<std::optional<float>>& scores,
                                       const SearchOptions& o) {
  std::vector<SearchHit> hits;
  const size_t want = size_t(std::max(0, o.top_k));
  size_t chunk = std::max<size_t>(want * 2, 16);
  for (size_t begin = 0, end = 0; begin < order.size() && hits.size() < want; begin = end) {
    end = std::min(order.size(), begin + chunk);
    std::vector<std::string> shas(order.begin() + long(begin), order.begin() + long(end));
    PHOTOIDX_ASSIGN_OR_RETURN(auto photos, store.LookupPhotos(shas, o.caption_model));
    std::unordered_map<std::string, index::PhotoRow*> by_sha;
    for (auto& p : photos) by_sha[p.sha256] = &p;
    for (size_t i = begin; i < end && hits.size() < want; ++i) {
      auto it = by_sha.find(order[i]);
      if (it == by_sha.end()) continue;  // no present file any more
      std::string path = Accept(*it->second, o);
      if (path.empty()) continue;
      SearchHit hit;
      hit.rank = int(hits.size()) + 1;
      hit.score = scores[i];
      hit.path = std::move(path);
      hit.photo = std::move(*it->second);
      hits.push_back(std::move(hit));
    }
    chunk *= 4;  // heavy filtering: widen the window
  }
  return hits;
}

}  // namespace

std::vector<float> ScoreAll(const index::EmbeddingMatrix& matrix, const std::vector<float>& query) {
  return ScoreAll(matrix.data.data(), matrix.rows(), matrix.dim, query);
}

std::vector<float> ScoreAll(const float* data, size_t rows, int dim_in,
                            const std::vector<float>& query) {
  std::vector<float> scores(rows);
  const size_t dim = size_t(dim_in);
  const float* q = query.data();
  // 16 independent lanes: the compiler vectorises them without reassociating
  // a single float sum (which it may not do at -O2): about 10x faster.
  constexpr size_t kLanes = 16;
  const size_t body = dim - dim % kLanes;
  auto score_rows = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const float* r = data + i * dim;
      float lanes[kLanes] = {};
      for (size_t d = 0; d < body; d += kLanes) {
        for (size_t k = 0; k < kLanes; ++k) lanes[k] += r[d + k] * q[d + k];
      }
      float acc = 0;
      for (size_t k = 0; k < kLanes; ++k) acc += lanes[k];
      for (size_t d = body; d < dim; ++d) acc += r[d] * q[d];
      scores[i] = acc;
    }
  };
  // Memory-bound (100k x 512 is 200 MB): one core cannot pull it at the
  // machine's bandwidth, so chunks go to every core (and page faults on a
  // freshly mapped vector file are taken in parallel too). Each score is
  // computed the same way whatever the split: results do not depend on it.
  constexpr size_t kChunk = 8192;
  const size_t chunks = (rows + kChunk - 1) / kChunk;
  ParallelFor(chunks, chunks > 1 ? 0 : 1, [&](size_t c) {
    score_rows(c * kChunk, std::min(rows, (c + 1) * kChunk));
  });
  return scores;
}

std::vector<size_t> TopK(const std::vector<float>& scores, size_t k) {
  std::vector<size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, idx.size());
  auto better = [&](size_t a, size_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  };
  std::partial_sort(idx.begin(), idx.begin() + long(k), idx.end(), better);
  idx.resize(k);
  return idx;
}

Result<std::vector<SearchHit>> SearchByEmbedding(index::IndexStore& store, const std::string& model,
                                                 const std::vector<float>& query,
                                                 const SearchOptions& o,
                                                 const index::VectorFile* vectors) {
  // The rows to score: the mmapped vector file when the caller has a current
  // one (every stored embedding; Collect drops contents with no present
  // file), else the present ones read from the index.
  index::EmbeddingMatrix loaded;
  const float* data = nullptr;
  size_t rows = 0;
  int dim = 0;
  if (vectors != nullptr) {
    data = vectors->data();
    rows = vectors->rows();
    dim = vectors->dim();
  } else {
    PHOTOIDX_ASSIGN_OR_RETURN(loaded, store.LoadEmbeddings(model));
    data = loaded.data.data();
    rows = loaded.rows();
    dim = loaded.dim;
  }
  auto sha256 = [&](size_t i) { return vectors ? vectors->sha256(i) : loaded.sha256[i]; };
  if (rows == 0) return std::vector<SearchHit>{};
  if (size_t(dim) != query.size()) {
    return Status::InvalidArgument("query embedding has " + std::to_string(query.size()) +
                                   " dimensions, the index " + std::to_string(dim));
  }
  std::vector<float> scores = ScoreAll(data, rows, dim, query);
  std::unordered_set<std::string> allowed;
  const bool by_words = !o.caption_words.empty();
  if (by_words) {
    PHOTOIDX_ASSIGN_OR_RETURN(auto shas, store.SearchCaptions(o.caption_model, o.caption_words,
                                                              int(rows)));
    allowed.insert(shas.begin(), shas.end());
  }
  // Rank only a window of the best when no metadata filter can reject many
  // (a full sort of 100k scores costs more than the scoring); with filters,
  // or when the window held too many photos with no present file, rank
  // everything and let Collect stop once top_k are found.
  const bool filtered = by_words || !o.folder.empty() || !o.date_from.empty() ||
                        !o.date_to.empty() || !o.camera.empty();
  size_t window = filtered ? scores.size() : size_t(std::max(o.top_k, 1)) * 4 + 64;
  for (;;) {
    std::vector<size_t> order = TopK(scores, window);
    std::vector<std::string> shas;
    std::vector<std::optional<float>> kept;
    bool below_min = false;
    for (size_t i : order) {
      if (o.min_score && scores[i] < *o.min_score) {
        below_min = true;
        break;
      }
      std::string sha = sha256(i);
      if (by_words && allowed.count(sha) == 0) continue;
      shas.push_back(std::move(sha));
      kept.push_back(scores[i]);
    }
    PHOTOIDX_ASSIGN_OR_RETURN(auto hits, Collect(store, shas, kept, o));
    if (hits.size() >= size_t(std::max(o.top_k, 0)) || below_min || window >= scores.size()) {
      return hits;
    }
    window = scores.size();
  }
}

Result<std::vector<SearchHit>> SearchByCaption(index::IndexStore& store, const SearchOptions& o) {
  PHOTOIDX_ASSIGN_OR_RETURN(auto shas, store.SearchCaptions(o.caption_model, o.caption_words,
                                                            std::max(o.top_k, 1) * 20));
  std::vector<std::optional<float>> scores(shas.size());
  return Collect(store, shas, scores, o);
}

}  // namespace photoidx::search
