// bench-gen: the deterministic data behind `make bench`. Writes N rows either as a
// Singer stream (one SCHEMA, RECORDs, a STATE every 10,000 records) or as the same rows
// in CSV, so the taps and the targets are measured on the same values.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

constexpr std::uint64_t kSeed = 0x5eed'0f'5109e7ULL;
constexpr std::int64_t kStateEvery = 10'000;
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

// splitmix64: tiny, fast and identical on every platform; seeded per row so row i is the
// same whatever N is (the 10 M stream starts with the 1 M one).
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

// Each text exists twice: as JSON string contents (escapes on purpose, to exercise the
// unescaper) and as the plain UTF-8 a CSV holds. Commas and quotes force CSV quoting.
struct Text {
  std::string_view json;
  std::string_view plain;
};

constexpr Text kFirstNames[] = {
    {"Ada", "Ada"},         {"Zo\\u00eb", "Zoë"}, {"Jos\\u00e9", "José"},
    {"\u0141ukasz", "Łukasz"}, {"S\\u00f8ren", "Søren"}, {"Mei", "Mei"},
    {"Grace", "Grace"},     {"Li\\u00e1m", "Liám"}, {"Olu", "Olu"},
    {"Ingrid", "Ingrid"},
};
constexpr std::string_view kEmailFirst[] = {"ada",   "zoe",  "jose", "lukasz", "soren",
                                            "mei",   "grace", "liam", "olu",    "ingrid"};
constexpr Text kLastNames[] = {
    {"O'Brien", "O'Brien"},   {"M\\u00fcller", "Müller"}, {"Nakamura", "Nakamura"},
    {"Garc\u00eda", "García"}, {"Smith-Jones", "Smith-Jones"}, {"Okafor", "Okafor"},
    {"\u674e", "李"},          {"Kowalski", "Kowalski"},
};
constexpr std::string_view kEmailLast[] = {"obrien", "muller", "nakamura", "garcia",
                                           "smithjones", "okafor", "li", "kowalski"};
constexpr Text kNotes[] = {
    {"Gr\\u00fc\\u00dfe aus K\\u00f6ln", "Grüße aus Köln"},
    {"caf\\u00e9 \\\"cr\\u00e8me\\\", br\\u00fbl\\u00e9e", "café \"crème\", brûlée"},
    {"na\u00efve fa\u00e7ade \u2014 d\u00e9j\u00e0 vu", "naïve façade — déjà vu"},
    {"rocket \\ud83d\\ude80 launch, on time", "rocket 🚀 launch, on time"},
    {"\u6771\u4eac \\u6771\\u4eac", "東京 東京"},
    {"tab\\there and back\\\\slash", "tab\there and back\\slash"},
    {"path C:\\\\temp\\/x", "path C:\\temp/x"},
    {"plain ascii note", "plain ascii note"},
};
constexpr std::string_view kCities[] = {"S\u00e3o Paulo", "K\u00f8benhavn", "Lagos",
                                        "Z\u00fcrich",    "Osaka",          "Montr\u00e9al"};
constexpr std::string_view kTags[] = {"alpha", "beta", "gamma", "vip", "returning", "new"};

template <typename T, std::size_t N>
const T& pick(Rng& rng, const T (&items)[N]) {
  return items[rng.below(N)];
}

struct Row {
  std::int64_t id;
  std::size_t first, last, note;
  std::int64_t amount_cents;  // may be negative
  std::uint64_t views;        // above 2^53 sometimes: exact integers matter
  unsigned ratio_mantissa, ratio_exponent;
  bool active;
  bool has_score;
  unsigned score_hundredths;
  std::int64_t created;       // seconds since the epoch, UTC
  bool has_updated;
  std::int64_t updated;
  unsigned updated_micros;
  int updated_offset_minutes;
  unsigned tag_count;
  std::size_t tags[3];
  std::size_t city;
  std::int64_t lat_micro;
};

Row make_row(std::int64_t id) {
  Rng rng{kSeed ^ (static_cast<std::uint64_t>(id) * 0xd1b54a32d192ed03ULL)};
  Row r{};
  r.id = id;
  r.first = rng.below(std::size(kFirstNames));
  r.last = rng.below(std::size(kLastNames));
  r.note = rng.below(std::size(kNotes));
  r.amount_cents = static_cast<std::int64_t>(rng.below(2'000'000)) - 400'000;
  r.views = rng.below(8) == 0 ? (std::uint64_t{1} << 53) + rng.below(1'000'000) : rng.below(1'000'000'000);
  r.ratio_mantissa = 100 + static_cast<unsigned>(rng.below(900));
  r.ratio_exponent = 1 + static_cast<unsigned>(rng.below(6));
  r.active = rng.below(2) == 1;
  r.has_score = rng.below(4) != 0;
  r.score_hundredths = static_cast<unsigned>(rng.below(10'001));
  r.created = 1'577'836'800 + id * 31;  // 2020-01-01T00:00:00Z, rising with id
  r.has_updated = rng.below(10) != 0;
  r.updated = r.created + static_cast<std::int64_t>(rng.below(10'000'000));
  r.updated_micros = static_cast<unsigned>(rng.below(1'000'000));
  constexpr int kOffsets[] = {0, 120, -300, 330, -570};
  r.updated_offset_minutes = pick(rng, kOffsets);
  r.tag_count = static_cast<unsigned>(rng.below(4));
  for (auto& t : r.tags) t = rng.below(std::size(kTags));
  r.city = rng.below(std::size(kCities));
  r.lat_micro = static_cast<std::int64_t>(rng.below(180'000'001)) - 90'000'000;
  return r;
}

class Out {
 public:
  Out() { buf_.reserve(kFlushBytes + 4096); }
  ~Out() { flush(); }
  Out& operator<<(std::string_view s) {
    buf_.append(s);
    return *this;
  }
  Out& operator<<(char c) {
    buf_.push_back(c);
    return *this;
  }
  // v in decimal, zero-padded to width digits.
  template <typename Int>
  void integer(Int v, std::size_t width = 0) {
    char tmp[48];
    std::size_t pad = width > 24 ? 24 : width;
    auto [end, ec] = std::to_chars(tmp + pad, tmp + sizeof tmp, v);
    std::size_t len = static_cast<std::size_t>(end - (tmp + pad));
    std::size_t from = len >= pad ? pad : len;  // first byte once padded to width
    std::memset(tmp + from, '0', pad - from);
    buf_.append(tmp + from, end);
  }
  // value / 10^digits, printed exactly (no binary floating point in between).
  void fixed(std::int64_t value, int digits) {
    if (value < 0) buf_.push_back('-');
    std::uint64_t mag = value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    std::uint64_t scale = 1;
    for (int i = 0; i < digits; ++i) scale *= 10;
    integer(mag / scale);
    buf_.push_back('.');
    integer(mag % scale, digits);
  }
  void maybe_flush() {
    if (buf_.size() >= kFlushBytes) flush();
  }
  void flush() {
    const char* p = buf_.data();
    std::size_t left = buf_.size();
    while (left > 0) {
      ssize_t n = ::write(STDOUT_FILENO, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        // A reader that stops early (EPIPE) ends the run; nothing to report.
        if (errno != EPIPE) std::fprintf(stderr, "bench-gen: write failed: %s\n", std::strerror(errno));
        std::_Exit(1);
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    buf_.clear();
  }

 private:
  std::string buf_;
};

// RFC 3339, e.g. 2021-03-04T05:06:07.123456+02:00 (days_to_civil from H. Hinnant).
void date_time(Out& out, std::int64_t utc_seconds, int micros, int offset_minutes) {
  std::int64_t local = utc_seconds + offset_minutes * 60;
  std::int64_t days = local / 86'400, secs = local % 86'400;
  days += 719'468;
  std::int64_t era = days / 146'097;
  std::int64_t doe = days - era * 146'097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t year = yoe + era * 400 + (month <= 2);
  out.integer(year, 4);
  out << '-';
  out.integer(month, 2);
  out << '-';
  out.integer(day, 2);
  out << 'T';
  out.integer(secs / 3600, 2);
  out << ':';
  out.integer(secs / 60 % 60, 2);
  out << ':';
  out.integer(secs % 60, 2);
  if (micros >= 0) {
    out << '.';
    out.integer(micros, 6);
  }
  if (offset_minutes == 0) {
    out << 'Z';
  } else {
    int mag = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    out << (offset_minutes < 0 ? '-' : '+');
    out.integer(mag / 60, 2);
    out << ':';
    out.integer(mag % 60, 2);
  }
}

void ratio(Out& out, const Row& r) {
  // mantissa 100..999 becomes d.dd, e.g. 731 and 4 give 7.31e-4.
  out.integer(r.ratio_mantissa / 100);
  out << '.';
  out.integer(r.ratio_mantissa % 100, 2);
  out << "e-";
  out.integer(r.ratio_exponent);
}

void email(Out& out, const Row& r) {
  out << kEmailFirst[r.first] << '.' << kEmailLast[r.last];
  out.integer(r.id);
  out << "@example.org";
}

void write_schema(Out& out) {
  out << R"({"type":"SCHEMA","stream":"bench","schema":{"type":"object","properties":{)"
         R"("id":{"type":"integer"},"name":{"type":"string"},"email":{"type":"string"},)"
         R"("amount":{"type":"number"},"views":{"type":"integer"},)"
         R"("ratio":{"type":"number"},"active":{"type":"boolean"},"score":{"type":["null","number"]},)"
         R"("created_at":{"type":"string","format":"date-time"},)"
         R"("updated_at":{"type":["null","string"],"format":"date-time"},)"
         R"("note":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}},)"
         R"("address":{"type":"object","properties":{"city":{"type":"string"},)"
         R"("lat":{"type":"number"}},"required":["city","lat"]}},)"
         R"("required":["id","name","email","amount","views","ratio","active",)"
         R"("created_at","note","tags","address"]},"key_properties":["id"],)"
         R"("bookmark_properties":["id"]})"
      << '\n';
}

void write_record(Out& out, const Row& r) {
  out << R"({"type":"RECORD","stream":"bench","record":{"id":)";
  out.integer(r.id);
  out << R"(,"name":")" << kFirstNames[r.first].json << ' ' << kLastNames[r.last].json;
  out << R"(","email":")";
  email(out, r);
  out << R"(","amount":)";
  out.fixed(r.amount_cents, 2);
  out << R"(,"views":)";
  out.integer(r.views);
  out << R"(,"ratio":)";
  ratio(out, r);
  out << R"(,"active":)" << (r.active ? "true" : "false") << R"(,"score":)";
  if (r.has_score) {
    out.fixed(r.score_hundredths, 2);
  } else {
    out << "null";
  }
  out << R"(,"created_at":")";
  date_time(out, r.created, -1, 0);
  out << R"(","updated_at":)";
  if (r.has_updated) {
    out << '"';
    date_time(out, r.updated, static_cast<int>(r.updated_micros), r.updated_offset_minutes);
    out << '"';
  } else {
    out << "null";
  }
  out << R"(,"note":")" << kNotes[r.note].json << R"(","tags":[)";
  for (unsigned i = 0; i < r.tag_count; ++i) out << (i ? "," : "") << '"' << kTags[r.tags[i]] << '"';
  out << R"(],"address":{"city":")" << kCities[r.city] << R"(","lat":)";
  out.fixed(r.lat_micro, 6);
  out << "}}}\n";
}

void write_state(Out& out, std::int64_t id) {
  out << R"({"type":"STATE","value":{"bookmarks":{"bench":{"replication_key":"id","replication_key_value":)";
  out.integer(id);
  out << "}}}}\n";
}

// RFC 4180: quote when the field holds a comma, a quote or a line break.
void csv_field(Out& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out << s;
    return;
  }
  out << '"';
  for (char c : s) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

void write_csv_header(Out& out) {
  out << "id,name,email,amount,views,ratio,active,score,created_at,updated_at,note,tags,"
         "city,lat\n";
}

// The same values as write_record, flattened: tags joined by '|', the address's fields as
// columns, null as an empty field.
void write_csv_row(Out& out, const Row& r) {
  out.integer(r.id);
  out << ',' << kFirstNames[r.first].plain << ' ' << kLastNames[r.last].plain << ',';
  email(out, r);
  out << ',';
  out.fixed(r.amount_cents, 2);
  out << ',';
  out.integer(r.views);
  out << ',';
  ratio(out, r);
  out << ',' << (r.active ? "true" : "false") << ',';
  if (r.has_score) out.fixed(r.score_hundredths, 2);
  out << ',';
  date_time(out, r.created, -1, 0);
  out << ',';
  if (r.has_updated) date_time(out, r.updated, static_cast<int>(r.updated_micros), r.updated_offset_minutes);
  out << ',';
  csv_field(out, kNotes[r.note].plain);
  out << ',';
  for (unsigned i = 0; i < r.tag_count; ++i) out << (i ? "|" : "") << kTags[r.tags[i]];
  out << ',' << kCities[r.city] << ',';
  out.fixed(r.lat_micro, 6);
  out << '\n';
}

int usage() {
  std::fprintf(stderr, "usage: bench-gen singer|csv RECORDS\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return usage();
  std::string_view format = argv[1];
  std::int64_t records = 0;
  std::string_view count = argv[2];
  auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), records);
  if (ec != std::errc() || ptr != count.data() + count.size() || records < 0) return usage();
  if (format != "singer" && format != "csv") return usage();

  Out out;
  bool singer = format == "singer";
  if (singer) {
    write_schema(out);
  } else {
    write_csv_header(out);
  }
  for (std::int64_t id = 1; id <= records; ++id) {
    Row r = make_row(id);
    if (singer) {
      write_record(out, r);
      if (id % kStateEvery == 0) write_state(out, id);
    } else {
      write_csv_row(out, r);
    }
    out.maybe_flush();
  }
  // A final STATE when N is not a multiple of the cadence, so every stream ends on one.
  if (singer && records % kStateEvery != 0) write_state(out, records);
  return 0;
}
