-- LCBP3 sample schema for tests, ./dev demo and bench/. Loaded into the CURRENT database
-- (no CREATE DATABASE / USE here) by tests/harness/lib.sh lc_seed_mariadb, followed by
-- seed_data.sql. It holds the seed-era numbering tables (document_numbering_configs,
-- _sequences, _audit_logs), the live-era ones (document_number_counters,
-- document_number_reservations), two wide tables for volume (correspondences,
-- attachments) and `type_zoo` / `type_zoo_by_year`, which exercise everything a logical
-- dump must reproduce exactly. Re-loading it drops and recreates every object.
--
-- Traps for a dump/restore, on purpose (a restore must give identical CHECKSUM TABLE):
--   * type_zoo.id is AUTO_INCREMENT and one row has id 0 (needs NO_AUTO_VALUE_ON_ZERO);
--   * trg_type_zoo_bi increments insert_count on INSERT: triggers must be created AFTER
--     the data is loaded, or every restored row is off by one;
--   * type_zoo.secret_note is INVISIBLE: INSERT without a column list loses it;
--   * generated columns (virtual and stored) must not be dumped as data;
--   * latin1 column, BINARY(16) zero padding, BIT(10), zero DATETIME, negative TIME,
--     VARCHAR trailing spaces, NULL vs '' everywhere;
--   * FOREIGN KEY between configs and sequences (load order / foreign_key_checks);
--   * a BEFORE DELETE trigger on document_number_reservations (numbers are never deleted);
--   * routines/view/event/triggers carry DEFINER root@localhost (the seeding user).
--   * type_zoo.f holds FLOAT values that the server prints lossily (1.2345678 prints as
--     1.23457, so a naive text dump, mariadb-dump included, changes them): the dump
--     must select FLOAT as DOUBLE to be faithful.

SET NAMES utf8mb4;
SET @lc_saved_fk = @@foreign_key_checks;
SET foreign_key_checks = 0;

DROP VIEW IF EXISTS v_sequence_utilization;
DROP EVENT IF EXISTS ev_expire_reservations;
DROP PROCEDURE IF EXISTS sp_generate_document_number;
DROP FUNCTION IF EXISTS fn_format_document_number;
DROP TABLE IF EXISTS document_numbering_audit_logs, document_numbering_sequences,
    document_numbering_configs, document_number_counters, document_number_reservations,
    correspondences, attachments, type_zoo, type_zoo_by_year;

-- ---------------------------------------------------------------------------------------
-- seed era: numbering configuration, one sequence per config and year, audit trail

CREATE TABLE document_numbering_configs (
    id                      INT UNSIGNED NOT NULL AUTO_INCREMENT,
    project_id              INT UNSIGNED NOT NULL,
    originator_id           INT UNSIGNED NOT NULL,
    correspondence_type_id  INT UNSIGNED NOT NULL,
    discipline_id           INT UNSIGNED NOT NULL DEFAULT 0 COMMENT '0 = any discipline',
    template                VARCHAR(255) NOT NULL COMMENT 'e.g. LCBP3-{ORG}-{TYPE}-{DISC}-{YEAR}-{SEQ:4}',
    reset_scope             ENUM('YEARLY','NONE') NOT NULL DEFAULT 'YEARLY',
    max_value               INT UNSIGNED NOT NULL DEFAULT 9999,
    description             VARCHAR(500) NULL COMMENT 'คำอธิบาย (Thai)',
    is_active               TINYINT(1) NOT NULL DEFAULT 1,
    created_at              DATETIME(6) NOT NULL,
    updated_at              DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_numbering_scope (project_id, originator_id, correspondence_type_id, discipline_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='รูปแบบเลขที่เอกสาร: numbering configuration per project/originator/type/discipline';

CREATE TABLE document_numbering_sequences (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    config_id          INT UNSIGNED NOT NULL,
    year               SMALLINT UNSIGNED NOT NULL COMMENT '0 when reset_scope = NONE',
    current_value      INT UNSIGNED NOT NULL DEFAULT 0,
    last_generated_at  DATETIME(6) NULL,
    version            INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'optimistic locking',
    PRIMARY KEY (id),
    UNIQUE KEY uq_config_year (config_id, year),
    CONSTRAINT fk_sequences_config FOREIGN KEY (config_id)
        REFERENCES document_numbering_configs (id) ON UPDATE CASCADE ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE document_numbering_audit_logs (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    sequence_id       BIGINT UNSIGNED NOT NULL,
    generated_number  VARCHAR(100) NOT NULL,
    action            ENUM('GENERATE','RESERVE','CONFIRM','CANCEL','RESET','OVERRIDE') NOT NULL,
    user_id           INT UNSIGNED NULL COMMENT 'NULL for system actions',
    metadata          JSON NULL,
    ip_address        INET6 NULL,
    created_at        DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY ix_audit_sequence (sequence_id, created_at),
    KEY ix_audit_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ---------------------------------------------------------------------------------------
-- live era: counters and reservations

CREATE TABLE document_number_counters (
    project_id              INT UNSIGNED NOT NULL,
    originator_id           INT UNSIGNED NOT NULL,
    correspondence_type_id  INT UNSIGNED NOT NULL,
    discipline_id           INT UNSIGNED NOT NULL DEFAULT 0,
    year                    SMALLINT UNSIGNED NOT NULL,
    last_number             INT UNSIGNED NOT NULL DEFAULT 0,
    version                 INT UNSIGNED NOT NULL DEFAULT 0,
    updated_at              DATETIME(6) NOT NULL,
    PRIMARY KEY (project_id, originator_id, correspondence_type_id, discipline_id, year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE document_number_reservations (
    id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    token                   CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    project_id              INT UNSIGNED NOT NULL,
    originator_id           INT UNSIGNED NOT NULL,
    correspondence_type_id  INT UNSIGNED NOT NULL,
    discipline_id           INT UNSIGNED NOT NULL DEFAULT 0,
    year                    SMALLINT UNSIGNED NOT NULL,
    document_number         VARCHAR(100) NOT NULL,
    status                  ENUM('RESERVED','CONFIRMED','CANCELLED') NOT NULL DEFAULT 'RESERVED',
    reserved_by             INT UNSIGNED NULL,
    reserved_at             DATETIME(6) NOT NULL,
    expires_at              DATETIME(6) NOT NULL,
    confirmed_at            DATETIME(6) NULL,
    cancelled_at            DATETIME(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_reservation_token (token),
    UNIQUE KEY uq_reservation_number (document_number),
    KEY ix_reservation_status_expiry (status, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ---------------------------------------------------------------------------------------
-- volume: long Thai text and binary attachments

CREATE TABLE correspondences (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    document_number  VARCHAR(100) NOT NULL,
    subject          VARCHAR(500) NOT NULL,
    body             MEDIUMTEXT NOT NULL,
    status           ENUM('DRAFT','SUBMITTED','APPROVED','REJECTED','CLOSED') NOT NULL,
    created_by       INT UNSIGNED NOT NULL,
    created_at       DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY ix_correspondence_number (document_number)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE attachments (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    correspondence_id  BIGINT UNSIGNED NOT NULL,
    file_name          VARCHAR(255) NOT NULL,
    mime_type          VARCHAR(100) NOT NULL,
    content            LONGBLOB NOT NULL,
    sha256             CHAR(64) CHARACTER SET ascii NOT NULL,
    created_at         DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY ix_attachment_correspondence (correspondence_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ---------------------------------------------------------------------------------------
-- fidelity zoo

CREATE TABLE type_zoo (
    id            INT UNSIGNED NOT NULL AUTO_INCREMENT,
    `order`       INT NULL COMMENT 'reserved word as a column name',
    thai_text     VARCHAR(255) NULL,
    emoji_text    TEXT NULL,
    latin1_text   VARCHAR(100) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL,
    trailing_sp   VARCHAR(40) NULL,
    bin_blob      BLOB NULL,
    fixed_bin     BINARY(16) NULL,
    var_bin       VARBINARY(64) NULL,
    doc           JSON NULL,
    doc_checked   LONGTEXT NULL,
    uid           UUID NULL,
    ip            INET6 NULL,
    created       DATETIME(6) NULL,
    zero_dt       DATETIME NULL,
    ts            TIMESTAMP(6) NULL DEFAULT NULL,
    d             DATE NULL,
    t             TIME(6) NULL,
    y             YEAR NULL,
    price         DECIMAL(20,6) NULL,
    ratio         DOUBLE NULL,
    f             FLOAT NULL,
    big           BIGINT UNSIGNED NULL,
    tiny          TINYINT NULL,
    flags         BIT(10) NULL,
    status        ENUM('RESERVED','CONFIRMED','CANCELLED') NULL,
    tags          SET('urgent','internal','external','ไทย') NULL,
    maybe_empty   VARCHAR(20) NULL,
    secret_note   VARCHAR(50) NULL INVISIBLE,
    insert_count  INT NOT NULL DEFAULT 0 COMMENT 'incremented by trg_type_zoo_bi',
    price_x2      DECIMAL(22,6) AS (price * 2) VIRTUAL,
    thai_len      INT AS (CHAR_LENGTH(thai_text)) STORED,
    doc_kind      VARCHAR(32) AS (JSON_VALUE(doc, '$.kind')) VIRTUAL,
    PRIMARY KEY (id),
    KEY ix_zoo_thai_len (thai_len),
    KEY ix_zoo_doc_kind (doc_kind),
    CONSTRAINT chk_zoo_doc_checked CHECK (doc_checked IS NULL OR (JSON_VALID(doc_checked) AND JSON_VALUE(doc_checked, '$.kind') IS NOT NULL)),
    CONSTRAINT chk_zoo_ratio CHECK (ratio IS NULL OR ratio > -1e308)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='สวนสัตว์ชนิดข้อมูล';

CREATE TABLE type_zoo_by_year (
    id          BIGINT UNSIGNED NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    note        VARCHAR(200) NULL,
    amount      DECIMAL(14,2) NULL,
    PRIMARY KEY (id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE (YEAR(created_at)) (
    PARTITION p2022 VALUES LESS THAN (2023),
    PARTITION p2023 VALUES LESS THAN (2024),
    PARTITION p2024 VALUES LESS THAN (2025),
    PARTITION p2025 VALUES LESS THAN (2026),
    PARTITION pmax  VALUES LESS THAN MAXVALUE
);

-- ---------------------------------------------------------------------------------------
-- view, triggers, routines, event

CREATE VIEW v_sequence_utilization AS
    SELECT c.id AS config_id, c.template, s.year, s.current_value, c.max_value,
           ROUND(100 * s.current_value / c.max_value, 2) AS utilization_pct
    FROM document_numbering_sequences s
    JOIN document_numbering_configs c ON c.id = s.config_id;

DELIMITER ;;

CREATE TRIGGER trg_type_zoo_bi BEFORE INSERT ON type_zoo FOR EACH ROW
BEGIN
    SET NEW.insert_count = NEW.insert_count + 1;
END;;

CREATE TRIGGER trg_reservations_bu BEFORE UPDATE ON document_number_reservations FOR EACH ROW
BEGIN
    IF NEW.status = 'CANCELLED' AND OLD.status <> 'CANCELLED' AND NEW.cancelled_at IS NULL THEN
        SET NEW.cancelled_at = NOW(6);
    END IF;
END;;

CREATE TRIGGER trg_reservations_bd BEFORE DELETE ON document_number_reservations FOR EACH ROW
BEGIN
    SIGNAL SQLSTATE '45000'
        SET MESSAGE_TEXT = 'ห้ามลบการจองเลขที่: reservations are never deleted, set status CANCELLED';
END;;

CREATE FUNCTION fn_format_document_number(p_template VARCHAR(255), p_year SMALLINT UNSIGNED,
                                          p_value INT UNSIGNED)
RETURNS VARCHAR(100) CHARSET utf8mb4
DETERMINISTIC NO SQL
COMMENT 'จัดรูปแบบเลขที่เอกสาร'
BEGIN
    RETURN REPLACE(REPLACE(p_template, '{YEAR}', p_year), '{SEQ:4}', LPAD(p_value, 4, '0'));
END;;

CREATE PROCEDURE sp_generate_document_number(IN p_config_id INT UNSIGNED,
                                             IN p_year SMALLINT UNSIGNED,
                                             IN p_user_id INT UNSIGNED,
                                             OUT p_number VARCHAR(100))
MODIFIES SQL DATA
COMMENT 'optimistic-locking generator, as the backend does it'
BEGIN
    DECLARE v_seq_id BIGINT UNSIGNED;
    DECLARE v_value INT UNSIGNED;
    DECLARE v_version INT UNSIGNED;
    DECLARE v_attempt INT DEFAULT 0;
    retry: LOOP
        SET v_attempt = v_attempt + 1;
        SELECT id, current_value, version INTO v_seq_id, v_value, v_version
            FROM document_numbering_sequences WHERE config_id = p_config_id AND year = p_year;
        UPDATE document_numbering_sequences
            SET current_value = v_value + 1, version = v_version + 1, last_generated_at = NOW(6)
            WHERE id = v_seq_id AND version = v_version;
        IF ROW_COUNT() = 1 THEN
            LEAVE retry;
        END IF;
        IF v_attempt >= 3 THEN
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'version conflict: giving up after 3 attempts';
        END IF;
    END LOOP;
    SELECT fn_format_document_number(template, p_year, v_value + 1) INTO p_number
        FROM document_numbering_configs WHERE id = p_config_id;
    INSERT INTO document_numbering_audit_logs
        (sequence_id, generated_number, action, user_id, metadata, ip_address, created_at)
        VALUES (v_seq_id, p_number, 'GENERATE', p_user_id,
                JSON_OBJECT('source', 'procedure', 'attempts', v_attempt, 'remark', 'สร้างเลขที่เอกสาร'),
                NULL, NOW(6));
END;;

DELIMITER ;

CREATE EVENT ev_expire_reservations
    ON SCHEDULE EVERY 1 MINUTE STARTS '2025-01-01 00:00:00'
    ON COMPLETION PRESERVE
    DISABLE
    COMMENT 'ยกเลิกการจองที่หมดอายุ (disabled: lcbp3-reservations-gc does this)'
    DO UPDATE document_number_reservations
           SET status = 'CANCELLED'
           WHERE status = 'RESERVED' AND expires_at < NOW(6);

SET foreign_key_checks = @lc_saved_fk;
