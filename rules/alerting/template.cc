#include "rules/alerting/template.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

namespace fxagent::alerting {
namespace {

struct Val {
  enum class Kind { kString, kNumber, kMap } kind = Kind::kString;
  std::string s;
  double d = 0;
  const std::map<std::string, std::string>* m = nullptr;
};

Val Str(std::string s) { return Val{Val::Kind::kString, std::move(s), 0, nullptr}; }
Val Num(double d) { return Val{Val::Kind::kNumber, "", d, nullptr}; }

std::string Print(const Val& v) {
  switch (v.kind) {
    case Val::Kind::kString:
      return v.s;
    case Val::Kind::kNumber:
      return GoFormatFloat(v.d);
    case Val::Kind::kMap: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, val] : *v.m) {
        out += first ? "" : " ";
        out += k;
        out += ':';
        out += val;
        first = false;
      }
      return out + "]";
    }
  }
  return "";
}

std::string GoTypeValue(const Val& v) {
  if (v.kind == Val::Kind::kNumber) return "float64=" + Print(v);
  if (v.kind == Val::Kind::kMap) return "map[string]string=" + Print(v);
  return "string=" + v.s;
}

struct Token {
  enum class Kind { kString, kNumber, kIdent, kVar, kPipe } kind;
  std::string text;
};

std::optional<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '|') {
      out.push_back({Token::Kind::kPipe, "|"});
      ++i;
    } else if (c == '"') {
      std::string lit;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) {
          char e = s[++i];
          lit += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          lit += s[i];
        }
        ++i;
      }
      if (i >= s.size()) return std::nullopt;
      ++i;
      out.push_back({Token::Kind::kString, lit});
    } else if (c == '`') {
      size_t end = s.find('`', i + 1);
      if (end == std::string_view::npos) return std::nullopt;
      out.push_back({Token::Kind::kString, std::string(s.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (c == '$' || c == '.' || std::isalpha(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+') {
      size_t start = i++;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' ||
                              s[i] == '.' || s[i] == '$' || s[i] == '+' || s[i] == '-')) {
        ++i;
      }
      std::string word(s.substr(start, i - start));
      Token::Kind kind = Token::Kind::kIdent;
      if (c == '$' || c == '.') {
        kind = Token::Kind::kVar;
      } else if (!std::isalpha(static_cast<unsigned char>(c))) {
        kind = Token::Kind::kNumber;
      }
      out.push_back({kind, word});
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<Val> Operand(const Token& t, const TemplateData& data) {
  static const std::map<std::string, std::string> kEmpty;
  const auto& labels = data.labels != nullptr ? *data.labels : kEmpty;
  if (t.kind == Token::Kind::kString) return Str(t.text);
  if (t.kind == Token::Kind::kNumber) {
    char* end = nullptr;
    double d = std::strtod(t.text.c_str(), &end);
    if (end == nullptr || *end != '\0') return std::nullopt;
    return Num(d);
  }
  if (t.kind != Token::Kind::kVar) return std::nullopt;
  if (t.text == "$value" || t.text == ".Value") return Num(data.value);
  if (t.text == "$labels" || t.text == ".Labels") return Val{Val::Kind::kMap, "", 0, &labels};
  if (t.text == "$externalLabels" || t.text == ".ExternalLabels") {
    return Val{Val::Kind::kMap, "", 0, &kEmpty};
  }
  for (std::string_view prefix : {"$labels.", ".Labels."}) {
    if (std::string_view(t.text).starts_with(prefix)) {
      auto it = labels.find(t.text.substr(prefix.size()));
      return Str(it == labels.end() ? "" : it->second);
    }
  }
  if (std::string_view(t.text).starts_with("$externalLabels.")) return Str("");
  return std::nullopt;
}

std::optional<double> ToFloat(const Val& v) {
  if (v.kind == Val::Kind::kNumber) return v.d;
  if (v.kind != Val::Kind::kString || v.s.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(v.s.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return d;
}

std::string Printf(const std::string& fmt, const std::vector<Val>& args) {
  std::string out;
  size_t arg = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    size_t start = i++;
    while (i < fmt.size() && std::string_view("+-# 0").find(fmt[i]) != std::string_view::npos) ++i;
    while (i < fmt.size() && (std::isdigit(static_cast<unsigned char>(fmt[i])) || fmt[i] == '.')) {
      ++i;
    }
    if (i >= fmt.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = fmt[i];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (arg >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Val& v = args[arg++];
    std::string spec = fmt.substr(start, i - start + 1);
    char buf[512];
    if (std::string_view("eEfFgG").find(verb) != std::string_view::npos &&
        v.kind == Val::Kind::kNumber) {
      if (!std::isfinite(v.d)) {
        out += std::isnan(v.d) ? "NaN" : (v.d > 0 ? "+Inf" : "-Inf");
      } else {
        std::snprintf(buf, sizeof(buf), spec.c_str(), v.d);
        out += buf;
      }
    } else if (verb == 'd' && v.kind == Val::Kind::kString) {
      out += "%!d(" + GoTypeValue(v) + ")";
    } else if ((verb == 's' || verb == 'v') && v.kind != Val::Kind::kNumber) {
      spec.back() = 's';
      std::string s = Print(v);
      std::snprintf(buf, sizeof(buf), spec.c_str(), s.c_str());
      out += buf;
    } else if (verb == 'v') {
      out += Print(v);
    } else if (verb == 'q' && v.kind == Val::Kind::kString) {
      out += "\"" + v.s + "\"";
    } else {
      out += std::string("%!") + verb + "(" + GoTypeValue(v) + ")";
    }
  }
  for (; arg < args.size(); ++arg) out += "%!(EXTRA " + GoTypeValue(args[arg]) + ")";
  return out;
}

std::optional<Val> Call(const std::string& fn, const std::vector<Val>& args) {
  if (fn == "printf") {
    if (args.empty() || args[0].kind != Val::Kind::kString) return std::nullopt;
    return Str(Printf(args[0].s, std::vector<Val>(args.begin() + 1, args.end())));
  }
  if (args.size() != 1) return std::nullopt;
  if (fn == "toUpper" || fn == "toLower") {
    if (args[0].kind != Val::Kind::kString) return std::nullopt;
    std::string s = args[0].s;
    for (char& c : s) {
      c = static_cast<char>(fn == "toUpper" ? std::toupper(static_cast<unsigned char>(c))
                                            : std::tolower(static_cast<unsigned char>(c)));
    }
    return Str(s);
  }
  std::optional<double> d = ToFloat(args[0]);
  if (!d) return std::nullopt;
  if (fn == "humanize") return Str(Humanize(*d));
  if (fn == "humanize1024") return Str(Humanize1024(*d));
  if (fn == "humanizeDuration") return Str(HumanizeDuration(*d));
  if (fn == "humanizePercentage") return Str(HumanizePercentage(*d));
  return std::nullopt;
}

// Evaluates one action's pipeline; nullopt = not supported (left verbatim).
std::optional<std::string> EvalAction(std::string_view action, const TemplateData& data) {
  std::optional<std::vector<Token>> tokens = Tokenize(action);
  if (!tokens || tokens->empty()) return std::nullopt;
  std::optional<Val> piped;
  size_t i = 0;
  while (i < tokens->size()) {
    size_t end = i;
    while (end < tokens->size() && (*tokens)[end].kind != Token::Kind::kPipe) ++end;
    if (end == i) return std::nullopt;
    const Token& head = (*tokens)[i];
    if (head.kind == Token::Kind::kIdent) {
      std::vector<Val> args;
      for (size_t j = i + 1; j < end; ++j) {
        std::optional<Val> v = Operand((*tokens)[j], data);
        if (!v) return std::nullopt;
        args.push_back(*v);
      }
      if (piped) args.push_back(*piped);
      piped = Call(head.text, args);
      if (!piped) return std::nullopt;
    } else {
      if (end != i + 1 || piped) return std::nullopt;
      piped = Operand(head, data);
      if (!piped) return std::nullopt;
    }
    i = end + 1;
    if (end + 1 == tokens->size() && (*tokens)[end].kind == Token::Kind::kPipe) {
      return std::nullopt;  // trailing pipe
    }
  }
  return Print(*piped);
}

void TrimRight(std::string& s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
}

}  // namespace

std::string ExpandTemplate(std::string_view text, const TemplateData& data) {
  std::string out;
  size_t i = 0;
  bool trim_next = false;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    std::string_view literal =
        text.substr(i, open == std::string_view::npos ? text.npos : open - i);
    if (trim_next) {
      while (!literal.empty() && std::isspace(static_cast<unsigned char>(literal.front()))) {
        literal.remove_prefix(1);
      }
      trim_next = false;
    }
    out.append(literal);
    if (open == std::string_view::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(text.substr(open));
      break;
    }
    std::string_view inner = text.substr(open + 2, close - open - 2);
    bool trim_left =
        inner.size() >= 2 && inner[0] == '-' && std::isspace(static_cast<unsigned char>(inner[1]));
    bool trim_right = inner.size() >= 2 && inner.back() == '-' &&
                      std::isspace(static_cast<unsigned char>(inner[inner.size() - 2]));
    std::string_view body = inner;
    if (trim_left) body.remove_prefix(1);
    if (trim_right) body.remove_suffix(1);
    std::string_view trimmed = body;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
      trimmed.remove_prefix(1);
    }
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
      trimmed.remove_suffix(1);
    }
    std::optional<std::string> value;
    if (trimmed.starts_with("/*") && trimmed.ends_with("*/")) {
      value = "";
    } else {
      value = EvalAction(trimmed, data);
    }
    if (value) {
      if (trim_left) TrimRight(out);
      out += *value;
      trim_next = trim_right;
    } else {
      out.append(text.substr(open, close + 2 - open));
    }
    i = close + 2;
  }
  return out;
}

}  // namespace fxagent::alerting
