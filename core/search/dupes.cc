#include "core/search/dupes.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

namespace photoidx::search {
namespace {

// A cosine computed in float32 from two copies of one vector may come out a
// few ulps below 1: the threshold is lowered by this much so that
// --threshold 1 still links identical embeddings.
constexpr float kScoreSlack = 1e-6f;

// Union-find over rows that also keeps, per component, the highest and
// lowest score of the links that built it.
class Components {
 public:
  explicit Components(size_t n)
      : parent_(n), size_(n, 1),
        max_(n, -std::numeric_limits<float>::infinity()),
        min_(n, std::numeric_limits<float>::infinity()) {
    std::iota(parent_.begin(), parent_.end(), size_t{0});
  }

  size_t Find(size_t i) {
    while (parent_[i] != i) {
      parent_[i] = parent_[parent_[i]];  // path halving
      i = parent_[i];
    }
    return i;
  }

  void Link(size_t a, size_t b, float score) {
    a = Find(a);
    b = Find(b);
    if (a != b) {
      if (size_[a] < size_[b]) std::swap(a, b);
      parent_[b] = a;
      size_[a] += size_[b];
      max_[a] = std::max(max_[a], max_[b]);
      min_[a] = std::min(min_[a], min_[b]);
    }
    max_[a] = std::max(max_[a], score);
    min_[a] = std::min(min_[a], score);
  }

  // Components of 2+ rows, ordered by their first row.
  std::vector<NearCluster> Clusters() {
    std::vector<NearCluster> out;
    std::vector<size_t> slot(parent_.size(), SIZE_MAX);
    for (size_t i = 0; i < parent_.size(); ++i) {
      const size_t root = Find(i);
      if (size_[root] < 2) continue;
      if (slot[root] == SIZE_MAX) {
        slot[root] = out.size();
        out.push_back(NearCluster{{}, max_[root], min_[root]});
      }
      out[slot[root]].rows.push_back(i);
    }
    return out;
  }

 private:
  std::vector<size_t> parent_;
  std::vector<size_t> size_;
  std::vector<float> max_;
  std::vector<float> min_;
};

// Rows [begin, end) of `data`, each scaled to unit length (a zero row stays
// zero and so scores 0 against everything).
void NormalizedBlock(const float* data, size_t begin, size_t end, size_t dim,
                     std::vector<float>& out) {
  out.resize((end - begin) * dim);
  for (size_t i = begin; i < end; ++i) {
    const float* r = data + i * dim;
    double norm2 = 0;
    for (size_t d = 0; d < dim; ++d) norm2 += double(r[d]) * double(r[d]);
    const float inv = norm2 > 0 ? float(1.0 / std::sqrt(norm2)) : 0.f;
    float* o = out.data() + (i - begin) * dim;
    for (size_t d = 0; d < dim; ++d) o[d] = r[d] * inv;
  }
}

DupeGroup MakeGroup(DupeKind kind, std::vector<DupeFile> files) {
  std::sort(files.begin(), files.end(),
            [](const DupeFile& a, const DupeFile& b) { return a.path < b.path; });
  DupeGroup g;
  g.kind = kind;
  g.files = std::move(files);
  return g;
}

void SortGroups(std::vector<DupeGroup>& groups) {
  std::sort(groups.begin(), groups.end(), [](const DupeGroup& a, const DupeGroup& b) {
    return a.files.front().path < b.files.front().path;
  });
}

// The rows of `vectors` whose content has a present file (the file holds
// every stored embedding; presence changes without touching it). When every
// row is present, only the hashes are filled and the caller scores the
// mapped file in place; else the present rows are copied.
Result<index::EmbeddingMatrix> PresentRows(index::IndexStore& store,
                                           const index::VectorFile& vectors) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::vector<std::string> present, store.PresentContents());
  index::EmbeddingMatrix m;
  m.dim = vectors.dim();
  std::vector<size_t> keep;
  for (size_t i = 0; i < vectors.rows(); ++i) {
    std::string sha = vectors.sha256(i);
    if (!std::binary_search(present.begin(), present.end(), sha)) continue;
    m.sha256.push_back(std::move(sha));
    keep.push_back(i);
  }
  if (keep.size() == vectors.rows()) return m;
  const size_t dim = size_t(m.dim);
  m.data.reserve(keep.size() * dim);
  for (size_t i : keep) {
    const float* r = vectors.data() + i * dim;
    m.data.insert(m.data.end(), r, r + dim);
  }
  return m;
}

}  // namespace

std::vector<NearCluster> ClusterNear(const float* data, size_t rows, int dim_in,
                                     const NearOptions& options) {
  if (rows < 2 || dim_in <= 0) return {};
  const size_t dim = size_t(dim_in);
  const size_t block = std::max<size_t>(options.block_rows, 1);
  const float threshold = options.threshold - kScoreSlack;
  Components comps(rows);
  std::vector<float> a, b, tile(std::min(block, rows) * std::min(block, rows));
  for (size_t i0 = 0; i0 < rows; i0 += block) {
    const size_t i1 = std::min(rows, i0 + block);
    NormalizedBlock(data, i0, i1, dim, a);
    for (size_t j0 = i0; j0 < rows; j0 += block) {
      const size_t j1 = std::min(rows, j0 + block);
      const std::vector<float>* right = &a;
      if (j0 != i0) {
        NormalizedBlock(data, j0, j1, dim, b);
        right = &b;
      }
      const size_t m = i1 - i0, n = j1 - j0;
      // tile = A_i * A_j^T: every cosine between the two blocks.
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(m), blasint(n), blasint(dim),
                  1.f, a.data(), blasint(dim), right->data(), blasint(dim), 0.f, tile.data(),
                  blasint(n));
      for (size_t r = 0; r < m; ++r) {
        const float* s = tile.data() + r * n;
        // On the diagonal tile, each pair once and no row with itself.
        for (size_t c = j0 == i0 ? r + 1 : 0; c < n; ++c) {
          if (s[c] >= threshold) comps.Link(i0 + r, j0 + c, std::min(s[c], 1.f));
        }
      }
    }
  }
  return comps.Clusters();
}

Result<std::vector<DupeGroup>> FindExactDuplicates(index::IndexStore& store) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::vector<index::ContentFiles> shared, store.LoadSharedContents());
  std::vector<DupeGroup> groups;
  groups.reserve(shared.size());
  for (index::ContentFiles& c : shared) {
    std::vector<DupeFile> files;
    for (std::string& p : c.paths) files.push_back(DupeFile{std::move(p), c.sha256});
    groups.push_back(MakeGroup(DupeKind::kExact, std::move(files)));
  }
  SortGroups(groups);
  return groups;
}

Result<index::ModelRow> PickModel(index::IndexStore& store, std::string_view kind,
                                  std::string_view requested) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::vector<index::ModelRow> rows, store.ListModels(kind));
  const std::string what = kind.empty() ? std::string("model") : std::string(kind) + " model";
  if (requested.empty()) {
    if (rows.empty()) return Status::NotFound("the index has no " + what + " (run photoidx build)");
    if (rows.size() == 1) return rows[0];
    std::string names;
    for (const auto& r : rows) names += ", " + r.name + " (" + r.fingerprint.substr(0, 12) + ")";
    return Status::InvalidArgument("the index holds several " + what + "s: " + names.substr(2) +
                                   "; pick one by name or fingerprint");
  }
  std::vector<const index::ModelRow*> hits;
  for (const auto& r : rows) {
    if (r.fingerprint == requested) return r;
    const bool prefix = requested.size() >= 8 && r.fingerprint.starts_with(requested);
    if (prefix || r.name == requested) hits.push_back(&r);
  }
  if (hits.size() == 1) return *hits[0];
  if (hits.empty()) {
    return Status::NotFound("the index has no " + what + " named " + std::string(requested));
  }
  return Status::InvalidArgument(std::string(requested) + " names several " + what +
                                 "s in the index: give a fingerprint");
}

Result<std::vector<DupeGroup>> FindNearDuplicates(index::IndexStore& store,
                                                  const std::string& model,
                                                  const NearOptions& options,
                                                  const index::VectorFile* vectors) {
  if (vectors != nullptr && vectors->model() != model) {
    return Status::InvalidArgument("near duplicates: the vector file holds model " +
                                   vectors->model() + ", not " + model);
  }
  index::EmbeddingMatrix matrix;
  if (vectors != nullptr) {
    PHOTOIDX_ASSIGN_OR_RETURN(matrix, PresentRows(store, *vectors));
  } else {
    PHOTOIDX_ASSIGN_OR_RETURN(matrix, store.LoadEmbeddings(model));
  }
  if (matrix.rows() == 0) {
    return Status::NotFound("the index has no embeddings of model " + model +
                            " for present photos (run photoidx build)");
  }
  const bool in_place = vectors != nullptr && matrix.data.empty();
  const float* data = in_place ? vectors->data() : matrix.data.data();
  std::vector<NearCluster> clusters = ClusterNear(data, matrix.rows(), matrix.dim, options);
  matrix.data = {};  // the paths below may be many; the vectors are done
  std::vector<DupeGroup> groups;
  for (const NearCluster& cluster : clusters) {
    std::vector<std::string> shas;
    for (size_t r : cluster.rows) shas.push_back(matrix.sha256[r]);
    PHOTOIDX_ASSIGN_OR_RETURN(std::vector<index::PhotoRow> photos, store.LookupPhotos(shas, ""));
    std::vector<DupeFile> files;
    for (index::PhotoRow& p : photos) {
      for (std::string& path : p.paths) files.push_back(DupeFile{std::move(path), p.sha256});
    }
    if (files.size() < 2) continue;  // a content lost its files meanwhile
    DupeGroup g = MakeGroup(DupeKind::kNear, std::move(files));
    g.max_score = cluster.max_score;
    g.min_score = cluster.min_score;
    groups.push_back(std::move(g));
  }
  SortGroups(groups);
  return groups;
}

}  // namespace photoidx::search
