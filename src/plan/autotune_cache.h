// The autotuner's memory on disk: which implementation won the timing for a problem, so a later
// session on the same machine skips the timing. One text line per problem, tab-separated:
//
//   op_type  problem  isa@cpu  threads  format_version  implementation
//   Conv     mb1_g1ic64oc64_ih56iw56_kh3kw3_..._dh1dw1 x=nchw16c y=nchw16c  avx512@AMD EPYC …  2  2  conv_winograd_f4x3
//
// The file is shared by every session of every process: writes merge the file's current lines
// with this session's new ones under an exclusive lock (flock on "<path>.lock") and replace the
// file atomically (temporary file + rename), so readers never see a half-written file and
// concurrent writers lose nothing. A malformed line is skipped with one warning on stderr; lines
// of another format version are kept but never matched.
#pragma once
#include <map>
#include <string>

namespace castnet::plan {

// Bumped when keys or implementation names change meaning; older lines are then ignored.
constexpr int kAutotuneFormatVersion = 2;  // 2: the isa field names the CPU model too

// Where the cache lives: $CASTNET_AUTOTUNE_CACHE, else $XDG_CACHE_HOME/castnet/autotune.tsv,
// else $HOME/.cache/castnet/autotune.tsv; empty when none of them is set.
std::string default_autotune_cache_path();

struct AutotuneKey {
  std::string op_type, problem, isa;
  int threads = 1;
  int version = kAutotuneFormatVersion;
  auto operator<=>(const AutotuneKey&) const = default;
};

class AutotuneCache {
 public:
  // `path` empty: nothing is read or written (choices last as long as the object).
  explicit AutotuneCache(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  // The implementation remembered for `key`, or null. Reads the file on first use; a missing
  // file is an empty cache, an unreadable one a warning.
  const std::string* find(const AutotuneKey& key);
  // Remembers a choice; save() writes it.
  void put(const AutotuneKey& key, const std::string& implementation);
  // Merges the choices put since the last save into the file. Failures are warnings: a cache that
  // cannot be written costs time on the next load, never correctness.
  void save();

 private:
  using Entries = std::map<AutotuneKey, std::string>;
  // Parses `path_` into `into`; false (and one warning) if it exists but cannot be read.
  // Malformed lines are skipped, with one warning if `report_malformed`.
  bool read_file(Entries& into, bool report_malformed) const;

  std::string path_;
  bool loaded_ = false;
  Entries entries_;  // file contents + this session's choices
  Entries pending_;  // this session's choices not yet saved
};

}  // namespace castnet::plan
