/// RAII owners for libcurl handles (easy, multi, header list), the one set every libcurl
/// user in agent/ shares: one owner each, copy deleted, move allowed. Include from .cc
/// files only, so curl types stay out of public headers.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace fxagent {
namespace detail {

struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace detail

using CurlEasy = std::unique_ptr<CURL, detail::CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, detail::CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, detail::CurlSlistDeleter>;

}  // namespace fxagent
