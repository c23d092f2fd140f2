namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The store's tables, as numbered migrations applied in order at open (the version is kept in <c>schema_version</c>).
/// Times are Unix milliseconds (UTC) in both stores, so the same SQL compares them. <c>state</c>: 0 dead, 1 replayed, 2 purged, 3 edited.
/// </summary>
internal static class StoreSchema
{
    public static IReadOnlyList<string[]> Migrations(SqlDialect dialect) =>
    [
        [
            $"""
            CREATE TABLE dead_letters (
                seq {dialect.Identity},
                letter_id TEXT NOT NULL UNIQUE,
                message_id TEXT NOT NULL,
                class TEXT NOT NULL,
                reason TEXT NOT NULL,
                smtp_code INTEGER NULL,
                enhanced_code TEXT NULL,
                attempts INTEGER NOT NULL,
                first_failure_at BIGINT NOT NULL,
                last_failure_at BIGINT NOT NULL,
                recipients TEXT NOT NULL,
                history TEXT NOT NULL,
                headers TEXT NOT NULL,
                body {dialect.Blob} NOT NULL,
                group_key TEXT NOT NULL,
                stored_at BIGINT NOT NULL,
                state INTEGER NOT NULL,
                replayed_at BIGINT NULL,
                replayed_by TEXT NULL,
                purged_at BIGINT NULL,
                purged_by TEXT NULL)
            """,
            // Paging walks seq within the filter's most selective column.
            "CREATE INDEX dead_letters_state ON dead_letters (state, seq)",
            "CREATE INDEX dead_letters_group ON dead_letters (group_key, seq)",
            "CREATE INDEX dead_letters_class ON dead_letters (class, seq)",
            "CREATE INDEX dead_letters_message ON dead_letters (message_id)",
            """
            CREATE TABLE dead_letter_groups (
                group_key TEXT PRIMARY KEY,
                label TEXT NOT NULL,
                class TEXT NOT NULL,
                smtp_code INTEGER NULL,
                enhanced_code TEXT NULL)
            """,
            $"""
            CREATE TABLE replay_jobs (
                id {dialect.Identity},
                selection TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                total BIGINT NOT NULL,
                cursor_position BIGINT NOT NULL,
                replayed BIGINT NOT NULL,
                skipped BIGINT NOT NULL,
                state INTEGER NOT NULL,
                updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE replay_job_letters (
                job_id BIGINT NOT NULL,
                position BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                PRIMARY KEY (job_id, position))
            """,
        ],
        [
            // The last position of the window a replay job published and has not yet marked: what a kill can send twice.
            "ALTER TABLE replay_jobs ADD COLUMN in_flight_until BIGINT NOT NULL DEFAULT 0",
        ],
        [
            // Every operator action of the dashboard: who, when, what, on which selection, how many (newest first by id).
            $"""
            CREATE TABLE audit_log (
                id {dialect.Identity},
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                role TEXT NOT NULL,
                action TEXT NOT NULL,
                selection TEXT NOT NULL,
                letter_count BIGINT NOT NULL,
                job_id BIGINT NULL)
            """,
        ],
        [
            // At a million letters (measured: groups 6.6 s, a filter that matches few letters 4.7 s): the filters' indexes
            // take the state too, so "dead letters of a class or group, in store order" is one index range; and dlq groups
            // reads one index that holds everything it counts, never the letters' rows.
            "DROP INDEX dead_letters_group",
            "DROP INDEX dead_letters_class",
            "CREATE INDEX dead_letters_group ON dead_letters (group_key, state, seq)",
            "CREATE INDEX dead_letters_class ON dead_letters (class, state, seq)",
            "CREATE INDEX dead_letters_groups ON dead_letters (state, group_key, last_failure_at, seq)",
            // The process running a job (a token of its run): only it may move the job on; see SqlDeadLetterStore.Jobs.
            "ALTER TABLE replay_jobs ADD COLUMN runner TEXT NULL",
            // A letter's content (~4 KiB and more) apart from its row: marking a letter replayed or purged rewrote the whole
            // row with its overflow pages in SQLite (measured: 26 ms per 256 letters, most of a replay's and a purge's time),
            // and every scan of the rows read past the bodies. Now a mark rewrites ~300 bytes.
            $"""
            CREATE TABLE dead_letter_contents (
                seq {dialect.ReferenceKey},
                history TEXT NOT NULL,
                headers TEXT NOT NULL,
                body {dialect.Blob} NOT NULL)
            """,
            "INSERT INTO dead_letter_contents (seq, history, headers, body) SELECT seq, history, headers, body FROM dead_letters",
            "ALTER TABLE dead_letters DROP COLUMN history",
            "ALTER TABLE dead_letters DROP COLUMN headers",
            "ALTER TABLE dead_letters DROP COLUMN body",
        ],
        [
            // The dashboard's data-protection keys (they sign its log-in cookies and CSRF tokens), shared by every dashboard
            // on this store, so one behind a load balancer accepts the cookie another issued.
            "CREATE TABLE dashboard_keys (name TEXT PRIMARY KEY, xml TEXT NOT NULL, stored_at BIGINT NOT NULL)",
        ],
        [
            // The delivered ledger (Ledger/DeliveryLedger): per message id and recipient (lower case), state 0 sending or
            // 1 delivered, when it was claimed and last changed, and the relay's reply. Swept by updated_at.
            """
            CREATE TABLE delivery_ledger (
                message_id TEXT NOT NULL,
                recipient TEXT NOT NULL,
                state INTEGER NOT NULL,
                claimed_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                reply TEXT NULL,
                PRIMARY KEY (message_id, recipient))
            """,
            "CREATE INDEX delivery_ledger_age ON delivery_ledger (updated_at)",
        ],
        [
            // A letter's AMQP properties besides its headers (content type, message and correlation id, type, app id…) as
            // JSON: a replay publishes them again, so a MassTransit envelope is read as one. NULL for letters stored before.
            "ALTER TABLE dead_letter_contents ADD COLUMN properties TEXT NULL",
        ],
        [
            // The suppression list (Delivery/Suppression): an address in lower case or *@domain, per scope ('global' or a
            // stream's name). The primary key is the look-up's index: a message's recipients and their domains are one
            // IN list over (address, scope), one index probe per key however many entries there are.
            """
            CREATE TABLE suppressions (
                address TEXT NOT NULL,
                scope TEXT NOT NULL,
                reason TEXT NOT NULL,
                source_message_id TEXT NULL,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                PRIMARY KEY (address, scope))
            """,
        ],
        [
            // The webhook outbox (Webhooks/): one row per status event and endpoint, written by the outbox writer before it
            // acks the event, sent by the dispatcher. state 0 pending, 1 delivered, 2 failed; a claim sets lease_owner and
            // lease_until, so two workers on one PostgreSQL store never send a row at once. Due rows are found by
            // (state, next_attempt_at); a redelivered event finds its row by (endpoint, webhook_id) and adds none.
            $"""
            CREATE TABLE webhook_outbox (
                id {dialect.Identity},
                webhook_id TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                event_type TEXT NOT NULL,
                message_id TEXT NOT NULL,
                payload TEXT NOT NULL,
                state INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                lease_owner TEXT NULL,
                lease_until BIGINT NOT NULL,
                last_status INTEGER NULL,
                last_error TEXT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (endpoint, webhook_id))
            """,
            "CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_attempt_at)",
            "CREATE INDEX webhook_outbox_endpoint ON webhook_outbox (endpoint, state, id)",
            // Endpoints that answered 410 Gone, with the URL that did: sending resumes when an operator replays or the URL changes.
            "CREATE TABLE webhook_disabled_endpoints (endpoint TEXT PRIMARY KEY, url TEXT NOT NULL, disabled_at BIGINT NOT NULL)",
        ],
        [
            // Scheduled send (Scheduling/): a message whose sendAt is ahead, held until due, one row per message id (a
            // redelivery or a duplicate finds it and is not held twice). state 0 held, 1 cancelled, 2 released; the body,
            // headers and properties are dropped once it is cancelled or released. The releaser claims due rows by
            // (state, send_at) with a lease, as the webhook outbox does; lists walk (send_at, message_id).
            $"""
            CREATE TABLE scheduled_messages (
                message_id TEXT PRIMARY KEY,
                send_at BIGINT NOT NULL,
                state INTEGER NOT NULL,
                held_at BIGINT NOT NULL,
                headers TEXT NOT NULL,
                properties TEXT NOT NULL,
                body {dialect.Blob} NOT NULL,
                body_bytes BIGINT NOT NULL,
                lease_owner TEXT NULL,
                lease_until BIGINT NOT NULL,
                changed_at BIGINT NULL,
                changed_by TEXT NULL)
            """,
            "CREATE INDEX scheduled_messages_due ON scheduled_messages (state, send_at, message_id)",
            "CREATE INDEX scheduled_messages_order ON scheduled_messages (send_at, message_id)",
        ],
        [
            // Edit & retry (DeadLetters/Edit): an edited letter is marked state 3 with when and by whom, in the transaction that
            // stores its edited copy as a new letter and queues a replay job of that copy alone. letter_edits keeps both
            // versions and who edited, apart from the retention (which deletes the letters themselves).
            "ALTER TABLE dead_letters ADD COLUMN edited_at BIGINT NULL",
            "ALTER TABLE dead_letters ADD COLUMN edited_by TEXT NULL",
            $"""
            CREATE TABLE letter_edits (
                id {dialect.Identity},
                original_letter_id TEXT NOT NULL UNIQUE,
                edited_letter_id TEXT NOT NULL UNIQUE,
                message_id TEXT NOT NULL,
                edited_at BIGINT NOT NULL,
                edited_by TEXT NOT NULL,
                role TEXT NOT NULL,
                job_id BIGINT NOT NULL,
                original_body {dialect.Blob} NOT NULL,
                edited_body {dialect.Blob} NOT NULL)
            """,
        ],
        [
            // Soft failures per address (lower case) toward a soft_bounce entry of the suppression list: how many messages
            // failed soft since first_failed_at, the start of the run's window. Written only on a soft failure, deleted on
            // a delivery to the address (the look-up tells a worker a row exists), at the entry, or when the window has passed.
            """
            CREATE TABLE suppression_soft_failures (
                address TEXT PRIMARY KEY,
                failures INTEGER NOT NULL,
                first_failed_at BIGINT NOT NULL,
                last_failed_at BIGINT NOT NULL,
                generation BIGINT NOT NULL)
            """,
            "CREATE INDEX suppression_soft_failures_age ON suppression_soft_failures (first_failed_at)",
            // The list's change counter (Worker/SuppressionFilter): every transaction that adds entries or counts bumps it
            // first, so it holds the row's lock (PostgreSQL) or the file's (SQLite) to its commit, and stamps its new rows
            // with it: rows become visible in generation order, and "generation > the last one read" misses none.
            "CREATE TABLE suppression_generation (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)",
            "INSERT INTO suppression_generation (id, value) VALUES (1, 0)",
            "ALTER TABLE suppressions ADD COLUMN generation BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX suppressions_generation ON suppressions (generation)",
        ],
    ];
}
