-- Public subscribers' tokens at rest are hashes or nothing: the confirmation token is kept as its
-- SHA-256 (hex), and unsubscribe links are signed with an install secret instead of stored.
-- Confirmation links sent before this version stop working: unconfirmed requests are dropped and
-- can be made again; unsubscribe links in emails sent before it stop working too.
delete from status_subscribers where confirmed_at is null;
update status_subscribers set confirm_token = 'confirmed-' || id;
drop index status_subscribers_unsubscribe_key;
update status_subscribers set unsubscribe_token = '';

-- Secrets this installation makes for itself at first use (one row per purpose).
create table install_secrets (
    name text primary key,
    value text not null
);
