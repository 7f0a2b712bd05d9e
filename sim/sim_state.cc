#include "sim/sim_state.h"

#include <algorithm>
#include <cctype>

#include "sim/scenarios.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kTokenLifetime = std::chrono::hours(24);

bool IsValidVersion(std::string_view v) {
  if (v == "2") return true;
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

std::string CodeFor(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 429:
      return "rate_limited";
    case 500:
      return "internal_server_error";
    case 502:
      return "bad_gateway";
    case 503:
      return "service_unavailable";
    case 504:
      return "gateway_timeout";
    default:
      return "error";
  }
}

std::string Base64Url(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buf >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buf << (6 - bits)) & 0x3F]);
  return out;
}

}  // namespace

SimState::SimState(const SimOptions& options)
    : options_(options),
      config_(Baseline()),
      bucket_(options.rate_limit, SteadyClock::now()),
      rng_(options.seed),
      token_window_start_(SteadyClock::now()) {}

SimConfig SimState::Baseline() const {
  SimConfig c;
  c.base_latency_ms = options_.latency_ms;
  c.rate_limit = options_.rate_limit;
  c.api_key = options_.api_key;
  c.token_daily_limit = options_.token_daily_limit;
  return c;
}

bool SimState::AuthorizedLocked(std::string_view authorization) {
  constexpr std::string_view kBearer = "bearer ";
  if (authorization.size() <= kBearer.size()) return false;
  for (size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kBearer[i]) return false;
  }
  std::string_view credential = authorization.substr(kBearer.size());
  while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
  if (credential.empty()) return false;
  if (!config_.api_key.empty() && credential == config_.api_key) return true;
  auto it = tokens_.find(std::string(credential));
  return it != tokens_.end() && it->second > SteadyClock::now();
}

ApiDecision SimState::DecideApi(std::string_view path, std::string_view authorization,
                                std::string_view flexport_version) {
  std::lock_guard lock(mu_);
  const auto now = SteadyClock::now();
  ApiDecision d;
  d.header_style = config_.rate_limit.header_style;
  d.latency_ms = config_.base_latency_ms;
  const EndpointFault* fault = config_.faults.Find(path);
  if (fault != nullptr) d.latency_ms += fault->latency_ms;
  auto error = [&](int status, std::string message) {
    d.status = status;
    d.code = CodeFor(status);
    d.message = std::move(message);
  };
  if (!AuthorizedLocked(authorization)) {
    d.rate = bucket_.Peek(now);
    error(401, "Missing or invalid credentials: send Authorization: Bearer <api key or token>");
    return d;
  }
  if (!IsValidVersion(flexport_version)) {
    d.rate = bucket_.Peek(now);
    error(400, "Missing or invalid Flexport-Version header: use 2 or a YYYY-MM-DD date");
    return d;
  }
  d.rate = bucket_.TryTake(now);
  if (!d.rate.allowed) {
    error(429,
          "Rate limit exceeded; retry after " + std::to_string(d.rate.retry_after_seconds) + " s");
    return d;
  }
  if (fault != nullptr && fault->status != 0) {
    std::uniform_real_distribution<double> draw(0.0, 1.0);
    if (fault->error_ratio >= 1.0 || draw(rng_) < fault->error_ratio) {
      error(fault->status, "Injected fault");
    }
  }
  return d;
}

void SimState::RecordApi(std::string_view path, int status) {
  std::lock_guard lock(mu_);
  ++api_total_;
  ++api_requests_[EndpointTemplate(path)][std::to_string(status)];
}

TokenGrant SimState::IssueToken(std::string_view client_id) {
  std::lock_guard lock(mu_);
  const auto now = SteadyClock::now();
  ++token_requests_;
  if (now - token_window_start_ >= std::chrono::hours(24)) {
    token_window_start_ = now;
    tokens_in_window_ = 0;
  }
  TokenGrant grant;
  if (config_.token_daily_limit > 0 && tokens_in_window_ >= config_.token_daily_limit) {
    ++token_rejected_;
    grant.status = 429;
    grant.error = "too_many_requests";
    return grant;
  }
  ++tokens_in_window_;
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const json payload = {{"iss", "https://flexport-sim/"},    {"sub", std::string(client_id)},
                        {"aud", "https://api.flexport.com"}, {"iat", iat},
                        {"exp", iat + grant.expires_in},     {"jti", std::to_string(rng_())}};
  grant.access_token = Base64Url(header.dump()) + "." + Base64Url(payload.dump()) + "." +
                       Base64Url(std::to_string(rng_()) + std::to_string(rng_()));
  tokens_[grant.access_token] = now + kTokenLifetime;
  return grant;
}

StatusPageState SimState::StatusPage() {
  std::lock_guard lock(mu_);
  ++statuspage_requests_;
  return config_.status_page;
}

bool SimState::SubscriptionActive() const {
  std::lock_guard lock(mu_);
  return config_.subscription_active;
}

void SimState::ApplyConfigLocked(SimConfig config) {
  const auto now = SteadyClock::now();
  if (config.api_key != config_.api_key) tokens_.clear();
  config_ = std::move(config);
  bucket_.Configure(config_.rate_limit, now);
  bucket_.Fill(now);
}

bool SimState::ApplyScenario(std::string_view name) {
  auto config = ScenarioConfig(name, Baseline(), std::chrono::system_clock::now());
  if (!config) return false;
  std::lock_guard lock(mu_);
  ApplyConfigLocked(std::move(*config));
  if (name == "rate_limited") bucket_.Drain(SteadyClock::now());
  return true;
}

void SimState::Reset() {
  std::lock_guard lock(mu_);
  ApplyConfigLocked(Baseline());
  tokens_.clear();
  tokens_in_window_ = 0;
  token_window_start_ = SteadyClock::now();
  api_requests_.clear();
  api_total_ = token_requests_ = token_rejected_ = statuspage_requests_ = 0;
}

bool SimState::SetFaults(const json& in, std::string* error) {
  json rest = in;
  std::optional<int> base_latency;
  if (rest.is_object() && rest.contains("base_latency_ms")) {
    if (!rest["base_latency_ms"].is_number_integer() || rest["base_latency_ms"].get<int>() < 0) {
      *error = "base_latency_ms must be a non-negative integer";
      return false;
    }
    base_latency = rest["base_latency_ms"].get<int>();
    rest.erase("base_latency_ms");
  }
  FaultTable table;
  if (!ParseFaultTable(rest, &table, error)) return false;
  std::lock_guard lock(mu_);
  config_.faults = std::move(table);
  if (base_latency) config_.base_latency_ms = *base_latency;
  config_.scenario = "custom";
  return true;
}

bool SimState::UpdateStatusPage(const json& in, std::string* error) {
  std::lock_guard lock(mu_);
  if (!ApplyStatusPageUpdate(in, std::chrono::system_clock::now(), config_.status_page, error)) {
    return false;
  }
  config_.scenario = "custom";
  return true;
}

bool SimState::UpdateRateLimit(const json& in, std::string* error) {
  if (!in.is_object()) {
    *error = "expected a JSON object";
    return false;
  }
  std::lock_guard lock(mu_);
  RateLimitConfig next = config_.rate_limit;
  std::optional<double> tokens;
  for (const auto& [key, value] : in.items()) {
    if (key == "header_style") {
      auto style = value.is_string() ? ParseHeaderStyle(value.get<std::string>()) : std::nullopt;
      if (!style) {
        *error = "header_style must be one of x, x-epoch, ietf, structured";
        return false;
      }
      next.header_style = *style;
      continue;
    }
    if (!value.is_number() || value.get<double>() < 0) {
      *error = key + " must be a non-negative number";
      return false;
    }
    if (key == "capacity") {
      if (value.get<double>() < 1) {
        *error = "capacity must be at least 1";
        return false;
      }
      next.capacity = value.get<double>();
    } else if (key == "refill_per_sec") {
      next.refill_per_sec = value.get<double>();
    } else if (key == "tokens") {
      tokens = value.get<double>();
    } else {
      *error =
          "unknown key '" + key + "' (expected capacity, refill_per_sec, header_style, tokens)";
      return false;
    }
  }
  const auto now = SteadyClock::now();
  config_.rate_limit = next;
  bucket_.Configure(next, now);
  if (tokens) bucket_.SetTokens(*tokens, now);
  return true;
}

void SimState::SetApiKey(std::string key) {
  std::lock_guard lock(mu_);
  config_.api_key = std::move(key);
  tokens_.clear();
  config_.scenario = "custom";
}

void SimState::SetSubscriptionActive(bool active) {
  std::lock_guard lock(mu_);
  config_.subscription_active = active;
  config_.scenario = "custom";
}

SimConfig SimState::Config() const {
  std::lock_guard lock(mu_);
  return config_;
}

json SimState::Snapshot() const {
  std::lock_guard lock(mu_);
  // Peek needs a mutable bucket; a copy keeps Snapshot const.
  TokenBucket bucket = bucket_;
  const auto rate = bucket.Peek(SteadyClock::now());
  return {
      {"scenario", config_.scenario},
      {"faults", FaultTableJson(config_.faults)},
      {"base_latency_ms", config_.base_latency_ms},
      {"status_page", StatusPageStateJson(config_.status_page)},
      {"rate_limit",
       {{"capacity", config_.rate_limit.capacity},
        {"refill_per_sec", config_.rate_limit.refill_per_sec},
        {"header_style", HeaderStyleName(config_.rate_limit.header_style)},
        {"remaining", rate.remaining},
        {"reset_seconds", rate.reset_seconds}}},
      {"auth",
       {{"key_rotated", config_.api_key != options_.api_key},
        {"issued_tokens", tokens_.size()},
        {"token_daily_limit", config_.token_daily_limit}}},
      {"subscription", {{"active", config_.subscription_active}}},
      {"counters",
       {{"api_requests_total", api_total_},
        {"api_requests", api_requests_},
        {"token_requests", token_requests_},
        {"token_requests_rejected", token_rejected_},
        {"statuspage_requests", statuspage_requests_}}},
  };
}

bool SimState::SleepFor(std::chrono::milliseconds duration) {
  if (duration.count() <= 0) return !shutting_down();
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, duration, [&] { return shutdown_; });
}

void SimState::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

bool SimState::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutdown_;
}

}  // namespace fxagent::sim
