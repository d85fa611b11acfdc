// SqliteIndexStore: contents, models, embeddings and captions.
#include <cstring>
#include <string>

#include "core/index/sqlite_index_statements_internal.h"
#include "core/index/sqlite_index_store_internal.h"
#include "core/index/sqlite_util_internal.h"

namespace photoidx::index::internal {
namespace {

struct FormatName {
  image::Format format;
  const char* name;
};
constexpr FormatName kFormatNames[] = {
    {image::Format::kUnknown, "unknown"}, {image::Format::kJpeg, "jpeg"},
    {image::Format::kPng, "png"},         {image::Format::kHeif, "heif"},
    {image::Format::kAvif, "avif"},       {image::Format::kRaw, "raw"},
    {image::Format::kWebp, "webp"},       {image::Format::kTiff, "tiff"},
    {image::Format::kGif, "gif"},         {image::Format::kBmp, "bmp"},
};

void BindOptionalText(SQLite::Statement& st, int index, const std::optional<std::string>& v) {
  if (v) {
    BindText(st, index, *v);
  } else {
    st.bind(index);
  }
}

std::optional<std::string> OptionalText(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return ColumnBytes(c);
}

}  // namespace

void ReadContentRow(const SQLite::Statement& st, int first, uint64_t* size, image::Metadata* m) {
  auto col = [&](int i) { return st.getColumn(first + i); };
  *size = static_cast<uint64_t>(col(0).getInt64());
  m->format = FormatFromDb(ColumnBytes(col(1)));
  m->width = col(2).getInt();
  m->height = col(3).getInt();
  m->orientation = col(4).getInt();
  m->date_taken = OptionalText(col(5));
  m->make = OptionalText(col(6));
  m->model = OptionalText(col(7));
  m->lens = OptionalText(col(8));
  if (!col(9).isNull() && !col(10).isNull()) {
    image::GpsPosition gps;
    gps.latitude = col(9).getDouble();
    gps.longitude = col(10).getDouble();
    if (!col(11).isNull()) gps.altitude = col(11).getDouble();
    m->gps = gps;
  }
}

const char* FormatToDb(image::Format format) {
  for (const FormatName& f : kFormatNames) {
    if (f.format == format) return f.name;
  }
  return "unknown";
}

image::Format FormatFromDb(std::string_view name) {
  for (const FormatName& f : kFormatNames) {
    if (name == f.name) return f.format;
  }
  return image::Format::kUnknown;
}

Result<bool> SqliteIndexStore::Exists(SQLite::Statement& st, std::string_view sha256,
                                      int64_t model_id) {
  StatementScope scope(st);
  BindText(st, 1, sha256);
  if (model_id >= 0) st.bind(2, model_id);
  return st.executeStep();
}

Result<bool> SqliteIndexStore::HasContent(std::string_view sha256) {
  try {
    return Exists(st_->has_content, sha256, -1);
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("reading content"));
  }
}

Status SqliteIndexStore::PutContent(std::string_view sha256, uint64_t size,
                                    const image::Metadata& m) {
  try {
    SQLite::Statement& st = st_->put_content;
    StatementScope scope(st);
    BindText(st, 1, sha256);
    st.bind(2, static_cast<int64_t>(size));
    st.bind(3, FormatToDb(m.format));
    st.bind(4, m.width);
    st.bind(5, m.height);
    st.bind(6, m.orientation);
    BindOptionalText(st, 7, m.date_taken);
    BindOptionalText(st, 8, m.make);
    BindOptionalText(st, 9, m.model);
    BindOptionalText(st, 10, m.lens);
    if (m.gps) {
      st.bind(11, m.gps->latitude);
      st.bind(12, m.gps->longitude);
      if (m.gps->altitude) st.bind(13, *m.gps->altitude);
    }
    st.exec();
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("storing content"));
  }
}

Result<std::optional<image::Metadata>> SqliteIndexStore::GetContent(std::string_view sha256) {
  try {
    SQLite::Statement& st = st_->get_content;
    StatementScope scope(st);
    BindText(st, 1, sha256);
    if (!st.executeStep()) return std::optional<image::Metadata>();
    uint64_t size = 0;
    image::Metadata m;
    ReadContentRow(st, 0, &size, &m);
    return std::optional<image::Metadata>(std::move(m));
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("reading content"));
  }
}

Status SqliteIndexStore::FillPhotoRow(PhotoRow& photo, std::optional<int64_t> caption_model) {
  {
    SQLite::Statement& st = st_->get_content;
    StatementScope scope(st);
    BindText(st, 1, photo.sha256);
    if (st.executeStep()) ReadContentRow(st, 0, &photo.size, &photo.metadata);
  }
  if (caption_model) {
    SQLite::Statement& st = st_->get_caption;
    StatementScope scope(st);
    BindText(st, 1, photo.sha256);
    st.bind(2, *caption_model);
    if (st.executeStep()) photo.caption = ColumnBytes(st.getColumn(0));
  }
  return Status::OK();
}

Result<SqliteIndexStore::ModelEntry> SqliteIndexStore::FindModel(std::string_view fingerprint) {
  auto it = models_.find(std::string(fingerprint));
  if (it != models_.end()) return it->second;
  SQLite::Statement& st = st_->find_model;
  StatementScope scope(st);
  BindText(st, 1, fingerprint);
  if (!st.executeStep()) {
    return Status::NotFound(Context("model " + std::string(fingerprint)), "not registered");
  }
  ModelEntry entry{st.getColumn(0).getInt64(), st.getColumn(1).getInt()};
  models_.emplace(std::string(fingerprint), entry);
  return entry;
}

Status SqliteIndexStore::RegisterModel(std::string_view fingerprint, std::string_view name,
                                       std::string_view kind, int dim) {
  if (fingerprint.empty() || dim < 0) {
    return Status::InvalidArgument(Context("registering model"), "empty fingerprint or dim < 0");
  }
  try {
    Result<ModelEntry> found = FindModel(fingerprint);
    if (found.ok() && found->dim != dim) {
      return Status::InvalidArgument(
          Context("model " + std::string(fingerprint)),
          "registered with dim " + std::to_string(found->dim) + ", not " + std::to_string(dim));
    }
    SQLite::Statement& st = found.ok() ? st_->update_model : st_->insert_model;
    StatementScope scope(st);
    if (found.ok()) {
      st.bind(1, found->id);
    } else {
      BindText(st, 1, fingerprint);
      st.bind(4, dim);
    }
    BindText(st, 2, name);
    BindText(st, 3, kind);
    st.exec();
    if (!found.ok()) models_[std::string(fingerprint)] = {db_->getLastInsertRowid(), dim};
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("registering model"));
  }
}

Result<std::vector<ModelRow>> SqliteIndexStore::ListModels(std::string_view kind) {
  try {
    std::vector<ModelRow> rows;
    SQLite::Statement& st = st_->list_models;
    StatementScope scope(st);
    BindText(st, 1, kind);
    while (st.executeStep()) {
      rows.push_back(ModelRow{ColumnBytes(st.getColumn(0)), ColumnBytes(st.getColumn(1)),
                              ColumnBytes(st.getColumn(2)), st.getColumn(3).getInt()});
    }
    return rows;
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("listing models"));
  }
}

Result<bool> SqliteIndexStore::HasEmbedding(std::string_view sha256, std::string_view model) {
  try {
    Result<ModelEntry> m = FindModel(model);
    if (!m.ok()) return false;  // an unknown model has no results
    return Exists(st_->has_embedding, sha256, m->id);
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("reading embedding"));
  }
}

Status SqliteIndexStore::PutEmbedding(std::string_view sha256, std::string_view model,
                                      const float* vec, int dim) {
  try {
    Result<ModelEntry> m = FindModel(model);
    if (!m.ok()) return Status::InvalidArgument(m.status().message());
    if (dim != m->dim || dim <= 0 || vec == nullptr) {
      return Status::InvalidArgument(Context("embedding of " + std::string(sha256)),
                                     "dim " + std::to_string(dim) + " but model " +
                                         std::string(model) + " has dim " +
                                         std::to_string(m->dim));
    }
    SQLite::Statement& st = st_->put_embedding;
    StatementScope scope(st);
    BindText(st, 1, sha256);
    st.bind(2, m->id);
    // Native float32 bytes: the index is not meant to move across endianness.
    st.bindNoCopy(3, vec, dim * static_cast<int>(sizeof(float)));
    st.exec();
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("storing embedding"));
  }
}

Result<std::optional<std::vector<float>>> SqliteIndexStore::GetEmbedding(
    std::string_view sha256, std::string_view model) {
  using Out = std::optional<std::vector<float>>;
  try {
    Result<ModelEntry> m = FindModel(model);
    if (!m.ok()) return Out();
    SQLite::Statement& st = st_->get_embedding;
    StatementScope scope(st);
    BindText(st, 1, sha256);
    st.bind(2, m->id);
    if (!st.executeStep()) return Out();
    SQLite::Column c = st.getColumn(0);
    if (c.getBytes() != m->dim * static_cast<int>(sizeof(float))) {
      return Status::Corruption(Context("embedding of " + std::string(sha256)), "wrong size");
    }
    std::vector<float> v(static_cast<size_t>(m->dim));
    std::memcpy(v.data(), c.getBlob(), v.size() * sizeof(float));
    return Out(std::move(v));
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("reading embedding"));
  }
}

Result<bool> SqliteIndexStore::HasCaption(std::string_view sha256, std::string_view model) {
  try {
    Result<ModelEntry> m = FindModel(model);
    if (!m.ok()) return false;
    return Exists(st_->has_caption, sha256, m->id);
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("reading caption"));
  }
}

Status SqliteIndexStore::PutCaption(std::string_view sha256, std::string_view model,
                                    std::string_view text) {
  return PutCaption(sha256, model, text, {});
}

Status SqliteIndexStore::PutCaption(std::string_view sha256, std::string_view model,
                                    std::string_view text, std::span<const int64_t> token_ids) {
  try {
    Result<ModelEntry> m = FindModel(model);
    if (!m.ok()) return Status::InvalidArgument(m.status().message());
    SQLite::Statement& st = st_->put_caption;
    StatementScope scope(st);
    BindText(st, 1, sha256);
    st.bind(2, m->id);
    BindText(st, 3, text);
    if (!token_ids.empty()) {
      st.bindNoCopy(4, token_ids.data(), static_cast<int>(token_ids.size_bytes()));
    }
    st.exec();
    return Status::OK();
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("storing caption"));
  }
}

Result<std::optional<std::string>> SqliteIndexStore::GetCaption(std::string_view sha256,
                                                                std::string_view model) {
  using Out = std::optional<std::string>;
  try {
    Result<ModelEntry> m = FindModel(model);
    if (!m.ok()) return Out();
    SQLite::Statement& st = st_->get_caption;
    StatementScope scope(st);
    BindText(st, 1, sha256);
    st.bind(2, m->id);
    if (!st.executeStep()) return Out();
    return Out(ColumnBytes(st.getColumn(0)));
  } catch (const SQLite::Exception& e) {
    return ToStatus(e, Context("reading caption"));
  }
}

}  // namespace photoidx::index::internal
