#include "plan/autotune_cache.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace castnet::plan {
namespace {

void warn(const std::string& path, const std::string& what) {
  std::fprintf(stderr, "castnet: warning: autotune cache %s: %s\n", path.c_str(), what.c_str());
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}

bool parse_positive(const std::string& text, int& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end && out > 0;
}

// A field holds printable text: no control characters (tabs and newlines separate fields and
// lines) and nothing outside ASCII, which no key or implementation name contains.
bool printable(const std::string& field) {
  if (field.empty()) return false;
  for (unsigned char c : field)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

// One line into a key and an implementation name; false if malformed.
bool parse_line(std::string line, AutotuneKey& key, std::string& implementation) {
  if (!line.empty() && line.back() == '\r') line.pop_back();  // written on another system
  std::vector<std::string> f;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  if (f.size() != 6) return false;
  for (const std::string& field : f)
    if (!printable(field)) return false;
  if (!parse_positive(f[3], key.threads) || !parse_positive(f[4], key.version)) return false;
  key.op_type = f[0];
  key.problem = f[1];
  key.isa = f[2];
  implementation = f[5];
  return true;
}

}  // namespace

std::string default_autotune_cache_path() {
  if (std::string p = env("CASTNET_AUTOTUNE_CACHE"); !p.empty()) return p;
  if (std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty()) return xdg + "/castnet/autotune.tsv";
  if (std::string home = env("HOME"); !home.empty()) return home + "/.cache/castnet/autotune.tsv";
  return "";
}

bool AutotuneCache::read_file(Entries& into, bool report_malformed) const {
  FILE* f = std::fopen(path_.c_str(), "rb");
  if (!f) {
    if (errno == ENOENT) return true;  // nothing tuned yet
    warn(path_, std::string("cannot be read (") + std::strerror(errno) + "); ignored");
    return false;
  }
  std::string line;
  int line_number = 0, malformed = 0, first_malformed = 0;
  bool read_error = false;
  auto take = [&] {
    ++line_number;
    if (line.empty() || line[0] == '#') return;
    AutotuneKey key;
    std::string implementation;
    if (parse_line(line, key, implementation)) {
      into[key] = implementation;
    } else if (malformed++ == 0) {
      first_malformed = line_number;
    }
  };
  for (int c; (c = std::fgetc(f)) != EOF;) {
    if (c == '\n') {
      take();
      line.clear();
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
  read_error = std::ferror(f) != 0;
  if (!line.empty()) take();
  std::fclose(f);
  if (read_error) warn(path_, "read error; later lines ignored");
  if (malformed > 0 && report_malformed)
    warn(path_, std::to_string(malformed) + " malformed line" + (malformed > 1 ? "s" : "") +
                    " ignored (first: line " + std::to_string(first_malformed) + ")");
  return !read_error;
}

const std::string* AutotuneCache::find(const AutotuneKey& key) {
  if (!loaded_) {
    loaded_ = true;
    if (!path_.empty()) read_file(entries_, true);
  }
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

void AutotuneCache::put(const AutotuneKey& key, const std::string& implementation) {
  entries_[key] = implementation;
  pending_[key] = implementation;
}

void AutotuneCache::save() {
  if (path_.empty() || pending_.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path_).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) {
    warn(path_, "cannot create its directory (" + ec.message() + "); choices not saved");
    return;
  }

  // Exclusive lock for read-merge-write: a second session saving at the same time waits, then
  // merges its choices into the file this one wrote.
  const std::string lock_path = path_ + ".lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    warn(path_, std::string("cannot open ") + lock_path + " (" + std::strerror(errno) + "); choices not saved");
    return;
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }  // closing the last descriptor releases the lock
  } unlock{lock_fd};
  int rc;
  while ((rc = ::flock(lock_fd, LOCK_EX)) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    warn(path_, std::string("cannot lock (") + std::strerror(errno) + "); choices not saved");
    return;
  }

  Entries merged;
  read_file(merged, /*report_malformed=*/false);  // reported when loaded; dropped here
  for (const auto& [key, implementation] : pending_) merged[key] = implementation;

  std::string tmp = path_ + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    warn(path_, std::string("cannot create a temporary file (") + std::strerror(errno) + "); choices not saved");
    return;
  }
  FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    ::close(fd);
    ::unlink(tmp.c_str());
    warn(path_, "cannot write a temporary file; choices not saved");
    return;
  }
  std::fprintf(f, "# castnet autotune cache: op_type, problem, isa, threads, format version, implementation\n");
  for (const auto& [key, implementation] : merged)
    std::fprintf(f, "%s\t%s\t%s\t%d\t%d\t%s\n", key.op_type.c_str(), key.problem.c_str(), key.isa.c_str(),
                 key.threads, key.version, implementation.c_str());
  bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path_.c_str()) != 0) {
    warn(path_, std::string("cannot be written (") + std::strerror(errno) + "); choices not saved");
    ::unlink(tmp.c_str());
    return;
  }
  entries_ = std::move(merged);
  pending_.clear();
}

}  // namespace castnet::plan
