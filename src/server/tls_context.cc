#include "server/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

namespace arc {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 keeps
// OpenSSL's defaults (all of them are both).
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's last error as text (its queue is cleared).
std::string OpenSslError(const boost::system::error_code& ec) {
  std::string text = ec ? ec.message() : std::string();
  if (const unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

Result<std::string> ReadPem(FileSystem* fs, const std::string& key, const std::string& path) {
  Result<std::string> text = fs->ReadFile(path);
  if (!text.ok()) return Status::InvalidArgument(key + " " + path + ": cannot read it: " + text.status().message());
  if (text->find("-----BEGIN ") == std::string::npos) {
    return Status::InvalidArgument(key + " " + path + ": not a PEM file (no -----BEGIN line)");
  }
  return text;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> LoadServerTls(FileSystem* fs, const std::string& cert_path,
                                                    const std::string& key_path) {
  ARC_ASSIGN_OR_RETURN(const std::string cert, ReadPem(fs, "server.tls_cert", cert_path));
  ARC_ASSIGN_OR_RETURN(std::string key, ReadPem(fs, "server.tls_key", key_path));
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use | ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Status::Internal("TLS: the cipher list was refused: " + OpenSslError({}));
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(cert), ec);
  if (ec) {
    return Status::InvalidArgument("server.tls_cert " + cert_path +
                                   ": no usable PEM certificate: " + OpenSslError(ec));
  }
  // The key is parsed here, not by use_private_key, to tell an unreadable key from one that
  // belongs to another certificate. The callback answers an encrypted key's passphrase prompt
  // with none (OpenSSL would otherwise ask on the terminal and wait).
  BIO* bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
  EVP_PKEY* pkey = bio == nullptr ? nullptr : PEM_read_bio_PrivateKey(bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(bio);
  OPENSSL_cleanse(key.data(), key.size());  // from here the key lives in OpenSSL only
  if (pkey == nullptr) {
    return Status::InvalidArgument("server.tls_key " + key_path +
                                   ": no usable PEM private key (it must not be encrypted): " + OpenSslError({}));
  }
  const bool matches = SSL_CTX_use_PrivateKey(native, pkey) == 1 && SSL_CTX_check_private_key(native) == 1;
  EVP_PKEY_free(pkey);
  if (!matches) {
    return Status::InvalidArgument("server.tls_key " + key_path +
                                   " does not match the certificate in server.tls_cert " +
                                   cert_path + ": " + OpenSslError({}));
  }
  return ctx;
}

}  // namespace arc
