DROP TRIGGER assets_changes ON assets;
DROP FUNCTION orgcms_asset_changed();
ALTER TABLE missions DROP COLUMN cover_asset_id;
ALTER TABLE news DROP COLUMN cover_asset_id;
DROP TABLE asset_variants;
DROP TABLE asset_uses;
DROP TABLE assets;
