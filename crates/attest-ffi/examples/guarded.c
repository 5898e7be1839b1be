/*
 * A "guarded tool" in C: it does its work only while it holds a valid operating token, checks the
 * token once a second, and stops when the verifier says DISABLED (lease and grace over, revoked,
 * forged, not in the log, ...).
 *
 * Usage: guarded DIR MAX_TICKS
 *   DIR holds root.bin (pinned root statement), policy.txt (tlog-policy), install.pub (32-byte
 *   Ed25519 public key of this installation), token.bin and proof.txt; state.bin is read if present
 *   and written after every accepted check (rollback protection across restarts).
 * Exit status: 0 after MAX_TICKS ticks of work, 2 when refused, 1 on a usage or setup error.
 *
 * Build: cc guarded.c -I../include -L<target dir> -loversight_attest_ffi -o guarded
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oversight_attest.h"

static unsigned char *read_file(const char *dir, const char *name, size_t *len, int text) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(buf); return NULL; }
    fclose(f);
    if (text) buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

static void save_state(const char *dir, OvVerifier *v) {
    size_t n = ov_verifier_state(v, NULL, 0);
    unsigned char *buf = malloc(n);
    ov_verifier_state(v, buf, n);
    char path[4096], tmp[4100];
    snprintf(path, sizeof path, "%s/state.bin", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (f) {
        fwrite(buf, 1, n, f);
        fclose(f);
        rename(tmp, path); /* atomic replace: a crash never leaves half a state */
    }
    free(buf);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s DIR MAX_TICKS\n", argv[0]); return 1; }
    const char *dir = argv[1];
    long max_ticks = atol(argv[2]);
    size_t root_len, policy_len, key_len, token_len, proof_len, state_len = 0;
    unsigned char *root = read_file(dir, "root.bin", &root_len, 0);
    unsigned char *policy = read_file(dir, "policy.txt", &policy_len, 1);
    unsigned char *key = read_file(dir, "install.pub", &key_len, 0);
    unsigned char *token = read_file(dir, "token.bin", &token_len, 0);
    unsigned char *proof = read_file(dir, "proof.txt", &proof_len, 1);
    unsigned char *state = read_file(dir, "state.bin", &state_len, 0);
    if (!root || !policy || !key || key_len != 32 || !token || !proof) {
        fprintf(stderr, "guarded: missing or bad files in %s\n", dir);
        return 1;
    }
    uint32_t err = 0;
    OvVerifier *v = ov_verifier_new(root, root_len, (const char *)policy, key, 0, 300, state, state_len, &err);
    if (!v) { fprintf(stderr, "guarded: cannot create the verifier (error %u)\n", err); return 1; }

    int status = 0;
    for (long tick = 0; tick < max_ticks; tick++) {
        OvVerdict verdict = ov_verifier_check(v, token, token_len, (const char *)proof, NULL, 0, NULL,
                                             (uint64_t)time(NULL));
        if (verdict.status == OV_DISABLED) {
            printf("refused: %s\n", ov_reason_name(verdict.reason));
            status = 2;
            break;
        }
        save_state(dir, v);
        printf("running: tick %ld, %s, token %llu, usable for %llds more\n", tick,
               verdict.status == OV_VALID ? "VALID" : "GRACE", (unsigned long long)verdict.sequence,
               (long long)verdict.disabled_after - (long long)verdict.trusted_time);
        fflush(stdout);
        /* ... the guarded work would happen here ... */
        sleep(1);
    }
    ov_verifier_free(v);
    free(root); free(policy); free(key); free(token); free(proof); free(state);
    return status;
}
