// The file system side of `orderwatch generate`: writing the rendered artefacts into the
// output folder, and the drift check that compares them with it. Called by
// cli/cmd_generate.cpp; the only I/O of the generate room.
#include <fstream>
#include <sstream>

#include "orderwatch/generate/generate.h"

namespace orderwatch::generate {

namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

WriteResult write_artefacts(const fs::path& out, const std::vector<Artefact>& list) {
  WriteResult result;
  for (const auto& artefact : list) {
    const fs::path path = out / artefact.relative_path;
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << artefact.text;
    file.close();
    if (error || !file) {
      result.failure = WriteFailure{path, error ? error.message() : std::string()};
      break;
    }
    result.written.push_back(path);
  }
  return result;
}

std::vector<Drift> check_artefacts(const fs::path& out, const std::vector<Artefact>& list) {
  std::vector<Drift> drifts;
  for (const auto& artefact : list) {
    const fs::path path = out / artefact.relative_path;
    const auto on_disk = read_file(path);
    if (!on_disk)
      drifts.push_back({path, Drift::Kind::missing});
    else if (*on_disk != artefact.text)
      drifts.push_back({path, Drift::Kind::differs});
  }
  return drifts;
}

}  // namespace orderwatch::generate
