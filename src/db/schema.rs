// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        name -> Text,
        description -> Text,
        scopes -> Array<Text>,
        mission_id -> Nullable<Uuid>,
        locales -> Nullable<Array<Text>>,
        rate_limit_per_minute -> Int4,
        daily_quota -> Int4,
        prefix -> Text,
        key_hash -> Bytea,
        previous_key_hash -> Nullable<Bytea>,
        previous_key_until -> Nullable<Timestamptz>,
        expires_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        usage_day -> Nullable<Date>,
        used_today -> Int8,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    asset_uses (asset_id, resource, item_id, field) {
        asset_id -> Uuid,
        resource -> Text,
        item_id -> Uuid,
        field -> Text,
    }
}

diesel::table! {
    asset_variants (sha256, params) {
        sha256 -> Text,
        params -> Text,
        storage_key -> Text,
        media_type -> Text,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        byte_size -> Nullable<Int8>,
        claimed_at -> Timestamptz,
        stored_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    assets (id) {
        id -> Uuid,
        file_name -> Text,
        kind -> Text,
        media_type -> Text,
        byte_size -> Int8,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        sha256 -> Text,
        storage_key -> Text,
        title -> Text,
        alt -> Jsonb,
        credit -> Nullable<Text>,
        copyright -> Nullable<Text>,
        focal_x -> Nullable<Float8>,
        focal_y -> Nullable<Float8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        user_id -> Nullable<Uuid>,
        user_email -> Text,
        action -> Text,
        resource -> Text,
        item_id -> Uuid,
        changes -> Jsonb,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    content_changes (seq) {
        seq -> Int8,
        resource -> Text,
        item_id -> Uuid,
        changed_at -> Timestamptz,
        xact_id -> Int8,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Uuid,
        key -> Text,
        request_hash -> Text,
        status -> Int4,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        key -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    mission_assistance_types (id) {
        id -> Uuid,
        mission_id -> Uuid,
        position -> Int4,
        name -> Jsonb,
    }
}

diesel::table! {
    mission_focus_areas (id) {
        id -> Uuid,
        mission_id -> Uuid,
        position -> Int4,
        title -> Jsonb,
        description -> Jsonb,
    }
}

diesel::table! {
    mission_key_figures (id) {
        id -> Uuid,
        mission_id -> Uuid,
        position -> Int4,
        label -> Jsonb,
        value -> Float8,
        unit -> Nullable<Text>,
        approximate -> Bool,
        as_of -> Nullable<Date>,
    }
}

diesel::table! {
    mission_milestones (id) {
        id -> Uuid,
        mission_id -> Uuid,
        position -> Int4,
        kind -> Text,
        year -> Int4,
        date -> Nullable<Date>,
        title -> Jsonb,
        description -> Jsonb,
    }
}

diesel::table! {
    missions (id) {
        id -> Uuid,
        slug -> Text,
        country_code -> Text,
        name -> Jsonb,
        office_city -> Jsonb,
        started_year -> Nullable<Int4>,
        summary -> Jsonb,
        body -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        cover_asset_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    news (id) {
        id -> Uuid,
        slug -> Text,
        title -> Jsonb,
        summary -> Jsonb,
        body -> Jsonb,
        status -> Text,
        published_at -> Nullable<Timestamptz>,
        mission_id -> Nullable<Uuid>,
        tags -> Array<Nullable<Text>>,
        cover_image_url -> Nullable<Text>,
        cover_image_alt -> Jsonb,
        synthetic -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        search -> Nullable<Tsvector>,
        body_html -> Nullable<Jsonb>,
        cover_asset_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    objectives (id) {
        id -> Uuid,
        slug -> Text,
        position -> Int4,
        title -> Jsonb,
        summary -> Jsonb,
        body -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    organization (id) {
        id -> Uuid,
        singleton -> Bool,
        name -> Jsonb,
        acronym -> Text,
        founded_year -> Int4,
        un_system_member -> Bool,
        mission_statement -> Jsonb,
        description -> Jsonb,
        constitution_note -> Jsonb,
        member_states -> Int4,
        observer_states -> Int4,
        countries_with_offices -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    preview_links (id) {
        id -> Uuid,
        news_id -> Uuid,
        created_by -> Nullable<Uuid>,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    revisions (resource, item_id, version) {
        resource -> Text,
        item_id -> Uuid,
        version -> Int4,
        document -> Jsonb,
        input -> Jsonb,
        author_id -> Nullable<Uuid>,
        author_email -> Text,
        created_at -> Timestamptz,
        was_public -> Bool,
        pinned -> Bool,
    }
}

diesel::table! {
    trash (item_id) {
        item_id -> Uuid,
        resource -> Text,
        slug -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        document -> Jsonb,
        input -> Jsonb,
        deleted_by -> Nullable<Uuid>,
        deleted_by_email -> Text,
        deleted_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        role -> Text,
        active -> Bool,
        password_hash -> Text,
        last_login_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    webhook_announced (resource, item_id) {
        resource -> Text,
        item_id -> Uuid,
        data -> Jsonb,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Uuid,
        attempted_at -> Timestamptz,
        status -> Nullable<Int4>,
        latency_ms -> Int4,
        response_excerpt -> Nullable<Text>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        event_id -> Uuid,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        body -> Nullable<Text>,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Uuid,
        seq -> Int8,
        #[sql_name = "type"]
        event_type -> Text,
        resource -> Text,
        item_id -> Uuid,
        mission_id -> Nullable<Uuid>,
        data -> Jsonb,
        change_seq -> Int8,
        news_key_at -> Timestamptz,
        news_key_id -> Uuid,
        occurred_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_pending (resource, item_id) {
        resource -> Text,
        item_id -> Uuid,
    }
}

diesel::table! {
    webhook_schedule (one) {
        one -> Bool,
        announced_through -> Timestamptz,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        url -> Text,
        event_types -> Array<Text>,
        mission_id -> Nullable<Uuid>,
        locale -> Nullable<Text>,
        payload -> Text,
        active -> Bool,
        description -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamptz>,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(api_keys -> missions (mission_id));
diesel::joinable!(asset_uses -> assets (asset_id));
diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(mission_assistance_types -> missions (mission_id));
diesel::joinable!(mission_focus_areas -> missions (mission_id));
diesel::joinable!(mission_key_figures -> missions (mission_id));
diesel::joinable!(mission_milestones -> missions (mission_id));
diesel::joinable!(missions -> assets (cover_asset_id));
diesel::joinable!(news -> assets (cover_asset_id));
diesel::joinable!(news -> missions (mission_id));
diesel::joinable!(preview_links -> news (news_id));
diesel::joinable!(preview_links -> users (created_by));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    asset_uses,
    asset_variants,
    assets,
    audit_log,
    auth_sessions,
    content_changes,
    idempotency_keys,
    login_failures,
    mission_assistance_types,
    mission_focus_areas,
    mission_key_figures,
    mission_milestones,
    missions,
    news,
    objectives,
    organization,
    preview_links,
    refresh_tokens,
    revisions,
    trash,
    users,
    webhook_announced,
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhook_pending,
    webhook_schedule,
    webhooks,
);
