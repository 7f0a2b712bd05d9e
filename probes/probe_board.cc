#include "probes/probe_board.h"

namespace fxagent {

void ProbeBoard::Update(const ProbeResult& result) {
  std::lock_guard<std::mutex> lock(mu_);
  latest_[result.probe] = result;
}

std::vector<ProbeResult> ProbeBoard::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ProbeResult> out;
  out.reserve(latest_.size());
  for (const auto& [name, result] : latest_) out.push_back(result);
  return out;
}

bool ProbeBoard::HasAll(const std::vector<std::string>& expected) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& name : expected) {
    if (latest_.count(name) == 0) return false;
  }
  return true;
}

}  // namespace fxagent
