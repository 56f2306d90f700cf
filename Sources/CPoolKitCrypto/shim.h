#ifndef CPOOLKIT_CRYPTO_SHIM_H
#define CPOOLKIT_CRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#endif
