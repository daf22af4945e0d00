// The request/reply wire convention of the client benches: the request names where its reply goes.
export const REPLY_TOPIC_HEADER = 'reply-topic';
export const REPLY_PARTITION_HEADER = 'reply-partition';
/** Correlates a reply with its request (decimal sequence number). */
export const REQUEST_ID_HEADER = 'request-id';
