-- One logical shard. Flyway runs this once per schema, with ${shard_id} set to the shard's number.

-- Instagram's id generator: 41 bits of ms since 2026-01-01, 13 bits of shard, 10 bits of sequence.
CREATE SEQUENCE ${flyway:defaultSchema}.id_seq;

CREATE FUNCTION ${flyway:defaultSchema}.next_id() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    our_epoch  bigint := 1767225600000;
    seq_id     bigint;
    now_millis bigint;
BEGIN
    SELECT nextval('${flyway:defaultSchema}.id_seq') % 1024 INTO seq_id;
    SELECT floor(extract(epoch FROM clock_timestamp()) * 1000) INTO now_millis;
    RETURN ((now_millis - our_epoch) << 23) | (${shard_id}::bigint << 10) | seq_id;
END;
$$;

-- TAO objects: typed, small JSON payload.
CREATE TABLE ${flyway:defaultSchema}.objects (
    id         bigint PRIMARY KEY DEFAULT ${flyway:defaultSchema}.next_id(),
    type       smallint NOT NULL,
    data       jsonb NOT NULL,
    version    integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- TAO associations, stored on id1's shard. pos is a time-ordered id: ranges are newest first by pos.
CREATE TABLE ${flyway:defaultSchema}.assocs (
    id1  bigint NOT NULL,
    type smallint NOT NULL,
    id2  bigint NOT NULL,
    pos  bigint NOT NULL,
    data jsonb,
    PRIMARY KEY (id1, type, id2)
);
CREATE INDEX assocs_range ON ${flyway:defaultSchema}.assocs (id1, type, pos DESC);

-- Denormalized association counts, updated in the same transaction as the edge.
CREATE TABLE ${flyway:defaultSchema}.counts (
    id1  bigint NOT NULL,
    type smallint NOT NULL,
    n    bigint NOT NULL,
    PRIMARY KEY (id1, type)
);

-- Unique names (usernames, emails, hashtags, token digests), on the shard the name hashes to.
CREATE TABLE ${flyway:defaultSchema}.names (
    ns   text NOT NULL,
    name text NOT NULL,
    id   bigint NOT NULL,
    PRIMARY KEY (ns, name)
);

-- Transactional outbox: a task row exists if and only if the write that caused it committed.
CREATE TABLE ${flyway:defaultSchema}.outbox (
    id         bigint PRIMARY KEY DEFAULT ${flyway:defaultSchema}.next_id(),
    kind       text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts   integer NOT NULL DEFAULT 0,
    next_at    timestamptz NOT NULL DEFAULT now(),
    last_error text
);
CREATE INDEX outbox_due ON ${flyway:defaultSchema}.outbox (next_at);

CREATE TABLE ${flyway:defaultSchema}.dead_tasks (
    id         bigint PRIMARY KEY,
    kind       text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    attempts   integer NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now(),
    last_error text
);

-- Home feeds, on the reader's shard, capped to the newest N per reader.
CREATE TABLE ${flyway:defaultSchema}.feed_items (
    reader_id bigint NOT NULL,
    status_id bigint NOT NULL,
    author_id bigint NOT NULL,
    PRIMARY KEY (reader_id, status_id)
);

-- Activity (notifications), on the recipient's shard. One row per (type, actor, status): repeats are idempotent.
CREATE TABLE ${flyway:defaultSchema}.activity (
    user_id   bigint NOT NULL,
    id        bigint NOT NULL DEFAULT ${flyway:defaultSchema}.next_id(),
    type      text NOT NULL,
    actor_id  bigint NOT NULL,
    status_id bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, id),
    UNIQUE (user_id, type, actor_id, status_id)
);
