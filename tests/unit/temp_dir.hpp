// TempDir: a directory under /tmp for tests that read files, removed with everything
// in it when the test ends. Shared by the unit tests of config, state and catalog.
#pragma once

#include <catch2/catch.hpp>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char pattern[] = "/tmp/singer_unit_test_XXXXXX";
    const char* made = ::mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path = made;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes text to path/name; returns the file's path.
  std::string write(const std::string& name, const std::string& text) const {
    auto file = path / name;
    std::ofstream(file) << text;
    return file.string();
  }
};
