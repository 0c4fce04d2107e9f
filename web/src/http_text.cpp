// The text helpers every HTTP handler shares (declared in http_server.h): percent-decoding and
// -encoding of paths, query strings and form bodies, and the short HTML message page. Called
// by the drill-down API and page, the actions API and serve's runbook routes.
#include <string>
#include <string_view>

#include "orderwatch/rules/text.h"
#include "orderwatch/web/http_server.h"

namespace orderwatch::web {

bool url_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex(in[i + 1]);
      const int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += in[i];
    }
  }
  return true;
}

std::string_view next_pair(std::string_view& rest) {
  const std::size_t amp = rest.find('&');
  const std::string_view pair = rest.substr(0, amp);
  rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  return pair;
}

std::string url_encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpResponse message_page(int status, std::string_view title, std::string_view text,
                          std::string_view back_href, std::string_view back_text) {
  return HttpResponse{status, "text/html; charset=utf-8",
                      "<!doctype html><title>" + rules::html_escape(title) + "</title><p>" +
                          rules::html_escape(text) + "</p><p><a href=\"" +
                          rules::html_escape(back_href) + "\">" + rules::html_escape(back_text) +
                          "</a></p>\n"};
}

}  // namespace orderwatch::web
