#include "core/conv_desc.h"

#include <castnet/error.h>

#include <cctype>
#include <map>

namespace castnet {

void ConvDesc::compute_output() {
  if (rank < 1 || rank > kMaxRank) throw Error("convolution rank " + std::to_string(rank) + " not supported");
  if (batch < 0 || in_channels <= 0 || out_channels <= 0 || groups <= 0)
    throw Error("convolution needs positive channels and groups");
  if (in_channels % groups != 0 || out_channels % groups != 0)
    throw Error("channels (" + std::to_string(in_channels) + " in, " + std::to_string(out_channels) +
                " out) not divisible by group " + std::to_string(groups));
  for (int i = 0; i < rank; ++i) {
    if (kernel[i] <= 0) throw Error("kernel size must be positive");
    if (stride[i] <= 0) throw Error("stride must be positive");
    if (dilation[i] <= 0) throw Error("dilation must be positive");
    if (pad_begin[i] < 0 || pad_end[i] < 0) throw Error("pads must not be negative");
    if (pad_begin[i] > (int64_t{1} << 30) || pad_end[i] > (int64_t{1} << 30)) throw Error("pads too large");
    if (in[i] <= 0) throw Error("spatial input dimension must be positive");
    int64_t span = dilation[i] * (kernel[i] - 1) + 1;
    int64_t padded = in[i] + pad_begin[i] + pad_end[i];
    if (padded < span)
      throw Error("kernel (extent " + std::to_string(span) + ") larger than padded input (" +
                  std::to_string(padded) + ")");
    out[i] = (padded - span) / stride[i] + 1;
  }
  for (int i = rank; i < kMaxRank; ++i) {
    in[i] = out[i] = kernel[i] = stride[i] = dilation[i] = 1;
    pad_begin[i] = pad_end[i] = 0;
  }
}

static int64_t prod(const ConvDesc::Dims& d, int rank) {
  int64_t p = 1;
  for (int i = 0; i < rank; ++i) p *= d[i];
  return p;
}
int64_t ConvDesc::in_spatial() const { return prod(in, rank); }
int64_t ConvDesc::out_spatial() const { return prod(out, rank); }
int64_t ConvDesc::kernel_spatial() const { return prod(kernel, rank); }

int64_t ConvDesc::macs() const {
  return batch * out_channels * out_spatial() * ic_per_group() * kernel_spatial();
}

namespace {
const char* axis_names(int rank) { return rank == 3 ? "dhw" : rank == 2 ? "hw" : "w"; }
}  // namespace

std::string ConvDesc::to_string() const {
  const char* ax = axis_names(rank);
  auto group = [&](const char* prefix, const Dims& d, const char* suffix = "") {
    std::string s;
    for (int i = 0; i < rank; ++i) s += std::string(prefix) + ax[i] + suffix + std::to_string(d[i]);
    return s;
  };
  // Appended piece by piece: GCC 12 mistakes `"literal" + std::string&&` for an overlapping
  // memcpy (-Wrestrict) once inlined.
  std::string s = "mb";
  ((s += std::to_string(batch)) += "_g") += std::to_string(groups);
  ((s += "ic") += std::to_string(in_channels)) += "oc";
  (s += std::to_string(out_channels)) += "_";
  ((s += group("i", in)) += "_") += group("k", kernel);
  ((s += "_") += group("s", stride)) += "_";
  ((s += group("p", pad_begin)) += "_") += group("p", pad_end, "e");
  (s += "_") += group("d", dilation);
  return s;
}

ConvDesc ConvDesc::parse(const std::string& text) {
  // Tokens: letters then digits, e.g. "mb1", "g1", "ic64", "ih56", "phe1". Underscores optional.
  std::map<std::string, int64_t> kv;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '_') { ++i; continue; }
    size_t start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    size_t mid = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (mid == start || mid == i) throw Error("bad convolution problem string '" + text + "'");
    kv[text.substr(start, mid - start)] = std::stoll(text.substr(mid, i - mid));
  }
  auto get = [&](const std::string& k, int64_t def) { auto it = kv.find(k); return it == kv.end() ? def : it->second; };
  ConvDesc d;
  d.rank = kv.count("id") || kv.count("kd") ? 3 : (kv.count("ih") || kv.count("kh")) ? 2 : 1;
  const char* ax = axis_names(d.rank);
  d.batch = get("mb", 1);
  d.groups = get("g", 1);
  d.in_channels = get("ic", 0);
  d.out_channels = get("oc", 0);
  for (int a = 0; a < d.rank; ++a) {
    std::string n(1, ax[a]);
    d.in[a] = get("i" + n, d.rank == 2 && a == 1 ? get("ih", 1) : 1);
    d.kernel[a] = get("k" + n, d.rank == 2 && a == 1 ? get("kh", 1) : 1);
    d.stride[a] = get("s" + n, d.rank == 2 && a == 1 ? get("sh", 1) : 1);
    d.pad_begin[a] = get("p" + n, d.rank == 2 && a == 1 ? get("ph", 0) : 0);
    d.pad_end[a] = get("p" + n + "e", d.pad_begin[a]);
    d.dilation[a] = get("d" + n, 1);
  }
  d.compute_output();
  return d;
}

}  // namespace castnet
