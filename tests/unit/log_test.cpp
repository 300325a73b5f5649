// log: counts that read right in log lines and errors ("1 record", "2 records").
#include "singer/log.hpp"

#include <catch2/catch.hpp>

using namespace singer;

TEST_CASE("a count takes the singular for exactly one and the plural otherwise", "[log]") {
  CHECK(log::counted(1, "record") == "1 record");
  CHECK(log::counted(0, "record") == "0 records");
  CHECK(log::counted(2, "stream") == "2 streams");
  CHECK(log::counted(-1, "byte") == "-1 bytes");
  CHECK(log::counted(1, "entry", "entries") == "1 entry");
  CHECK(log::counted(3, "entry", "entries") == "3 entries");
}
