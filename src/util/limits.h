/* limits.h — every size limit in one place; parsers check these before allocating. */
#ifndef HL_LIMITS_H
#define HL_LIMITS_H

#define HL_NOISE_MAX_MSG      65535u   /* Noise message incl. tag (spec §3) */
#define HL_NOISE_TAG          16u
#define HL_MAX_TRANSPORT_PT   (HL_NOISE_MAX_MSG - HL_NOISE_TAG) /* 65519 */
#define HL_RECORD_HDR         5u       /* type u8 + length u32 */
#define HL_MAX_RECORD_BODY    (HL_MAX_TRANSPORT_PT - HL_RECORD_HDR)

#define HL_MAX_BODY           61440u   /* 60 KiB of text or form per entry */
#define HL_MAX_OPERATOR       64u      /* bytes of UTF-8 */
#define HL_MAX_LANG           35u      /* BCP 47 tag, RFC 5646 §4.4.1 */
#define HL_MAX_REFS           16u
#define HL_MAX_ENTRY          (HL_MAX_BODY + 1024u) /* encoded, fits one record */

#define HL_MAX_NAME           63u      /* station / peer names */
#define HL_MAX_PEERS          64u
#define HL_MAX_ENDPOINTS      8u
#define HL_MAX_ENDPOINT_STR   127u
#define HL_MAX_PATH           4095u

#define HL_MAX_API_REQUEST    (256u * 1024u) /* one JSON line from a client */
#define HL_MAX_API_CLIENTS    64u
#define HL_MAX_API_SUBSCRIBERS 16u    /* of them subscribed to events (consoles) */
#define HL_API_MAX_INFLIGHT   4096u  /* pipelined sends per client awaiting commit */
/* Backpressure and steps (docs/API.md "Limits"): a client with this much of
 * its replies unread is no longer read, and its large answer pauses; large
 * answers are made in steps of about HL_API_STEP_US of loop time (shared by
 * the clients producing at once) and HL_API_STEP_BYTES of output. */
#define HL_API_OUT_MAX        (1024u * 1024u)
#define HL_API_STEP_US        2000u
#define HL_API_STEP_BYTES     (64u * 1024u)
#define HL_API_MAX_LISTINGS   4u     /* log and inbox listings in progress at once */

#define HL_HANDSHAKES_PER_SOURCE_PER_S 10u /* incoming, per source address */
#define HL_HANDSHAKE_BURST    20u
#define HL_MAX_HALF_OPEN      64u     /* responder handshakes in progress */
#define HL_HANDSHAKE_DEADLINE_MS 5000u

#define HL_SEND_WINDOW_BYTES  (512u * 1024u) /* unacknowledged TCP bytes in flight */
#define HL_MAX_WRITE_QUEUE    (8u * 1024u * 1024u) /* queued on one session: a peer not reading is cut off */

#define HL_MAX_ATTACHMENT     (100ull * 1024u * 1024u) /* one attached file */
#define HL_BLOB_CHUNK         (32u * 1024u)  /* data of one BLOB record: a FLASH waits for one at most */
#define HL_BLOB_UPLOAD_CHUNK  (128u * 1024u) /* decoded data of one attach-chunk API request */
#define HL_BLOB_WINDOW        (64u * 1024u)  /* blob bytes queued on a session before we wait */

#endif
