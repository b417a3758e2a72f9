/*
 * compute.c ROUNDS - CPU-bound user code with no system calls: each round
 * runs a sieve of Eratosthenes over 1,000,000 numbers and a multiplicative
 * hash over a 256 KiB array. Prints a checksum so every runner can be
 * checked for the same answer. ROUNDS = 0 measures start-up alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIEVE_N 1000000
#define HASH_WORDS (64 * 1024)

static unsigned char composite[SIEVE_N + 1];
static uint32_t words[HASH_WORDS];

static long sieve(void)
{
    long count = 0;
    memset(composite, 0, sizeof composite);
    for (long i = 2; i <= SIEVE_N; i++) {
        if (composite[i])
            continue;
        count++;
        for (long j = i * i; j <= SIEVE_N; j += i)
            composite[j] = 1;
    }
    return count;
}

static uint32_t hash(uint32_t seed)
{
    uint32_t h = seed;
    for (int pass = 0; pass < 4; pass++)
        for (int i = 0; i < HASH_WORDS; i++) {
            words[i] = words[i] * 2654435761u + h + (uint32_t)i;
            h = (h ^ (words[i] >> 7)) * 16777619u;
            h ^= h >> 13;
        }
    return h;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 10;
    long primes = 0;
    uint32_t h = 1;
    for (long r = 0; r < rounds; r++) {
        primes += sieve();
        h = hash(h);
    }
    printf("rounds %ld primes %ld hash %08x\n", rounds, primes, (unsigned)h);
    return 0;
}
