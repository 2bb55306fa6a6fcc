-- LCBP3 sample data for the tables of seed_schema.sql, generated INSIDE MariaDB with the
-- SEQUENCE engine, fully deterministic (no RAND(), no NOW(): fixed timestamps, hashes of
-- row numbers). Loaded into the current database after seed_schema.sql. Sizes come from
-- session variables that the caller may set first (lc_seed_mariadb DB name=N sets @lc_name;
-- bench/gen.sh sets bench sizes); the defaults make a few hundred rows:
--   @lc_configs              24     document_numbering_configs rows (every 6th resets NONE)
--   @lc_years                3      years per YEARLY config (ending 2025): sequences =
--                                   yearly configs * years + NONE configs
--   @lc_audit_rows           600    document_numbering_audit_logs
--   @lc_reservation_rows     120    document_number_reservations
--   @lc_correspondence_rows  40     correspondences
--   @lc_body_paragraphs      3      paragraphs (~0.5-1 KB each) per correspondence body
--   @lc_attachment_rows      12     attachments
--   @lc_attachment_bytes     4096   mean attachment size (max 200000)
--   @lc_zoo_rows             200    generated type_zoo rows (ids 100..), plus 6 hand-made (0..5)
--   @lc_by_year_rows         200    type_zoo_by_year
-- Facts the tests may rely on (default sizes and any others):
--   * sequences of configs 1-4 for 2025 (when @lc_years >= 1): 9600/9999 (96 %), 8500/9999
--     (85 %), 9999/9999 (exhausted), 10005/9999 (exceeded); every other sequence < 60 %;
--   * reservations: n % 10 in (8, 9) RESERVED, in (6, 7) CANCELLED, else CONFIRMED; RESERVED
--     with n % 20 = 8 expire 2099-12-31 (not overdue), the other RESERVED ones expired in
--     2025 (overdue): with 120 rows, 24 RESERVED = 18 overdue + 6 future;
--   * every type_zoo row has insert_count = 1 (set by its trigger).

SET NAMES utf8mb4;
SET @lc_saved_fk = @@foreign_key_checks, @lc_saved_mode = @@sql_mode;
SET foreign_key_checks = 0;
SET SESSION group_concat_max_len = 67108864;

SET @lc_configs             = COALESCE(@lc_configs, 24);
SET @lc_years               = COALESCE(@lc_years, 3);
SET @lc_audit_rows          = COALESCE(@lc_audit_rows, 600);
SET @lc_reservation_rows    = COALESCE(@lc_reservation_rows, 120);
SET @lc_correspondence_rows = COALESCE(@lc_correspondence_rows, 40);
SET @lc_body_paragraphs     = LEAST(GREATEST(COALESCE(@lc_body_paragraphs, 3), 1), 500);
SET @lc_attachment_rows     = COALESCE(@lc_attachment_rows, 12);
SET @lc_attachment_bytes    = LEAST(GREATEST(COALESCE(@lc_attachment_bytes, 4096), 64), 200000);
SET @lc_zoo_rows            = COALESCE(@lc_zoo_rows, 200);
SET @lc_by_year_rows        = COALESCE(@lc_by_year_rows, 200);

-- ---------------------------------------------------------------------------------------
-- helpers (session-only): a vocabulary, 1000 paragraphs with byte offsets, 256 KiB of noise

CREATE OR REPLACE TEMPORARY TABLE lc_words (id INT NOT NULL PRIMARY KEY, w VARCHAR(64) NOT NULL)
    DEFAULT CHARSET=utf8mb4;
INSERT INTO lc_words (id, w) SELECT seq - 1, ELT(seq,
    'เอกสาร', 'หนังสือ', 'โครงการ', 'ท่าเรือ', 'แหลมฉบัง', 'ระยะที่ 3', 'อนุมัติ', 'ยกเลิก',
    'จองเลข', 'ผู้ใช้', 'สร้าง', 'แก้ไข', 'ส่งต่อ', 'ตรวจสอบ', 'รายงาน', 'ประชุม',
    'สัญญา', 'ผู้รับเหมา', 'ที่ปรึกษา', 'การท่าเรือแห่งประเทศไทย', 'วิศวกรรม', 'โยธา', 'ไฟฟ้า', 'เครื่องกล',
    'สถาปัตยกรรม', 'วัสดุ', 'แบบก่อสร้าง', 'ขออนุมัติ', 'คำขอ', 'ข้อมูล', 'เลขที่', 'วันที่',
    'ฉบับ', 'แนบ', 'สำเนา', 'ด่วน', 'ลับ', 'ภายใน', 'ภายนอก', 'ผู้ควบคุมงาน',
    'ความคืบหน้า', 'งวดงาน', 'เขื่อนกันคลื่น', 'ท่าเทียบเรือ', 'ถมทะเล', 'ขุดลอก', 'ตู้สินค้า', 'ระบบราง',
    'RFA', 'LTR', 'MOM', 'NCR', 'RFI', 'LCBP3', 'C1', 'C2', '2025', 'No.', 'ref:', '(draft)')
FROM seq_1_to_60;
SET @lc_nw = 60;

CREATE OR REPLACE TEMPORARY TABLE lc_paragraphs (
    id INT NOT NULL PRIMARY KEY, txt TEXT NOT NULL
) DEFAULT CHARSET=utf8mb4;
INSERT INTO lc_paragraphs (id, txt)
SELECT p.seq, CONCAT(GROUP_CONCAT(w.w ORDER BY j.seq SEPARATOR ' '), '.\n')
FROM seq_0_to_999 p
JOIN seq_1_to_64 j ON j.seq <= 24 + p.seq % 40
JOIN lc_words w ON w.id = (p.seq * 31 + j.seq * 17 + j.seq * j.seq * 7 + (p.seq DIV 7) * j.seq) % @lc_nw
GROUP BY p.seq;
CREATE OR REPLACE TEMPORARY TABLE lc_para_off (id INT NOT NULL PRIMARY KEY, byte_start BIGINT NOT NULL);
INSERT INTO lc_para_off
SELECT id, SUM(LENGTH(txt)) OVER (ORDER BY id) - LENGTH(txt) FROM lc_paragraphs;
INSERT INTO lc_para_off SELECT 1000, SUM(LENGTH(txt)) FROM lc_paragraphs;
SELECT CAST(GROUP_CONCAT(txt ORDER BY id SEPARATOR '') AS BINARY) INTO @lc_corpus FROM lc_paragraphs;
SET @lc_para_avg = LENGTH(@lc_corpus) / 1000;
SELECT GROUP_CONCAT(UNHEX(SHA2(seq, 512)) ORDER BY seq SEPARATOR '') INTO @lc_noise FROM seq_1_to_4096;

-- ---------------------------------------------------------------------------------------
-- document_numbering_configs

INSERT INTO document_numbering_configs
    (id, project_id, originator_id, correspondence_type_id, discipline_id, template, reset_scope,
     max_value, description, is_active, created_at, updated_at)
SELECT s.seq,
       1 + (s.seq - 1) % 4,
       1 + ((s.seq - 1) DIV 4) % 25,
       1 + ((s.seq - 1) DIV 100) % 8,
       (s.seq - 1) DIV 800,
       CONCAT('LCBP3-C', 1 + (s.seq - 1) % 4, '-O', LPAD(1 + ((s.seq - 1) DIV 4) % 25, 2, '0'), '-',
              ELT(1 + ((s.seq - 1) DIV 100) % 8, 'RFA', 'LTR', 'MOM', 'NCR', 'RFI', 'TRN', 'SDW', 'MAT'),
              IF((s.seq - 1) DIV 800 > 0, CONCAT('-D', (s.seq - 1) DIV 800), ''),
              IF(s.seq % 6 = 0, '-{SEQ:4}', '-{YEAR}-{SEQ:4}')),
       IF(s.seq % 6 = 0, 'NONE', 'YEARLY'),
       IF(s.seq % 6 = 0, 999999, 9999),
       IF(s.seq % 17 = 0, NULL,
          CONCAT(ELT(1 + ((s.seq - 1) DIV 100) % 8, 'ขออนุมัติ', 'หนังสือ', 'บันทึกการประชุม', 'รายงานความไม่สอดคล้อง',
                     'คำขอข้อมูล', 'ใบนำส่ง', 'แบบก่อสร้าง', 'วัสดุ'),
                 ' โครงการท่าเรือแหลมฉบัง ระยะที่ 3 สัญญา C', 1 + (s.seq - 1) % 4)),
       IF(s.seq % 13 = 0, 0, 1),
       TIMESTAMP'2022-01-03 08:00:00' + INTERVAL s.seq HOUR,
       TIMESTAMP'2022-01-03 08:00:00' + INTERVAL s.seq HOUR + INTERVAL s.seq % 30 DAY
           + INTERVAL (s.seq * 137) % 1000000 MICROSECOND
FROM seq_1_to_1000000 s WHERE s.seq <= @lc_configs;

-- ---------------------------------------------------------------------------------------
-- document_numbering_sequences: one per YEARLY config and year (2026-@lc_years .. 2025),
-- one (year 0) per NONE config

INSERT INTO document_numbering_sequences (id, config_id, year, current_value, last_generated_at, version)
SELECT ROW_NUMBER() OVER (ORDER BY x.config_id, x.year), x.config_id, x.year, x.v,
       IF(x.year = 0, TIMESTAMP'2025-06-30 17:00:00', MAKEDATE(x.year, 1) + INTERVAL 8 HOUR)
           + INTERVAL (x.config_id * 7919) % (300 * 86400) SECOND
           + INTERVAL (x.config_id * 131) % 1000000 MICROSECOND,
       x.v
FROM (
    SELECT c.id AS config_id, IF(c.reset_scope = 'NONE', 0, 2026 - y.seq) AS year,
           1 + (c.id * 7919 + y.seq * 104729) % FLOOR(c.max_value * 0.6) AS v
    FROM document_numbering_configs c
    JOIN seq_1_to_100 y ON y.seq <= IF(c.reset_scope = 'NONE', 1, @lc_years)
) x;

UPDATE document_numbering_sequences SET current_value = 9600,  version = 9600  WHERE config_id = 1 AND year = 2025;
UPDATE document_numbering_sequences SET current_value = 8500,  version = 8500  WHERE config_id = 2 AND year = 2025;
UPDATE document_numbering_sequences SET current_value = 9999,  version = 9999  WHERE config_id = 3 AND year = 2025;
UPDATE document_numbering_sequences SET current_value = 10005, version = 10005 WHERE config_id = 4 AND year = 2025;

-- ---------------------------------------------------------------------------------------
-- document_numbering_audit_logs

SELECT COUNT(*) INTO @lc_nseq FROM document_numbering_sequences;

INSERT INTO document_numbering_audit_logs
    (id, sequence_id, generated_number, action, user_id, metadata, ip_address, created_at)
SELECT s.seq, q.id,
       REPLACE(REPLACE(c.template, '{YEAR}', IF(q.year = 0, 2025, q.year)),
               '{SEQ:4}', LPAD(1 + s.seq % q.current_value, 4, '0')),
       CASE WHEN s.seq % 997 = 0 THEN 'RESET'
                          WHEN s.seq % 20 < 14 THEN 'GENERATE'
                          WHEN s.seq % 20 < 17 THEN 'RESERVE'
                          WHEN s.seq % 20 = 17 THEN 'CONFIRM'
                          WHEN s.seq % 20 = 18 THEN 'CANCEL'
                          ELSE 'OVERRIDE' END,
       IF(s.seq % 997 = 0, NULL, 100 + s.seq % 250),
       IF(s.seq % 100 = 0, NULL,
          JSON_OBJECT('request_id', MD5(s.seq),
                      'source', ELT(1 + s.seq % 3, 'api', 'web', 'batch'),
                      'remark', CONCAT_WS(' ', w1.w, w2.w, w3.w, w4.w, w5.w),
                      'attempt', 1 + s.seq % 3,
                      'project', c.project_id,
                      'tags', JSON_ARRAY(ELT(1 + s.seq % 4, 'RFA', 'LTR', 'ด่วน', 'ภายใน'), 'LCBP3'))),
       CASE s.seq % 4
           WHEN 0 THEN NULL
           WHEN 1 THEN CONCAT('::ffff:10.', s.seq % 256, '.', (s.seq DIV 256) % 256, '.', (s.seq * 7) % 256)
           WHEN 2 THEN CONCAT('::ffff:192.168.', (s.seq DIV 256) % 256, '.', s.seq % 256)
           ELSE CONCAT('2001:db8:', LOWER(HEX(s.seq % 65536)), '::', LOWER(HEX((s.seq * 7919) % 65536)))
       END,
       MAKEDATE(IF(q.year = 0, 2021 + s.seq % 5, q.year), 1)
           + INTERVAL (s.seq * 7919) % (364 * 86400) SECOND
           + INTERVAL (s.seq * 131) % 1000000 MICROSECOND
FROM seq_1_to_100000000 s
JOIN document_numbering_sequences q ON q.id = 1 + (s.seq * 7919) % @lc_nseq
JOIN document_numbering_configs c ON c.id = q.config_id
JOIN lc_words w1 ON w1.id = s.seq % @lc_nw
JOIN lc_words w2 ON w2.id = (s.seq * 7) % @lc_nw
JOIN lc_words w3 ON w3.id = (s.seq * 13 + 5) % @lc_nw
JOIN lc_words w4 ON w4.id = (s.seq DIV 3) % @lc_nw
JOIN lc_words w5 ON w5.id = (s.seq DIV 11 + 17) % @lc_nw
WHERE s.seq <= @lc_audit_rows;

-- ---------------------------------------------------------------------------------------
-- document_number_counters: YEARLY configs for 2024 and 2025

INSERT INTO document_number_counters
    (project_id, originator_id, correspondence_type_id, discipline_id, year, last_number, version, updated_at)
SELECT c.project_id, c.originator_id, c.correspondence_type_id, c.discipline_id, 2023 + y.seq,
       (c.id * 31 + y.seq * 977) % 5000, (c.id * 31 + y.seq * 977) % 5000,
       TIMESTAMP'2025-06-30 00:00:00' + INTERVAL c.id MINUTE + INTERVAL y.seq SECOND
FROM document_numbering_configs c
JOIN seq_1_to_2 y
WHERE c.reset_scope = 'YEARLY';

-- ---------------------------------------------------------------------------------------
-- document_number_reservations

INSERT INTO document_number_reservations
    (id, token, project_id, originator_id, correspondence_type_id, discipline_id, year,
     document_number, status, reserved_by, reserved_at, expires_at, confirmed_at, cancelled_at)
SELECT x.n, x.token, 1 + x.n % 4, 1 + x.n % 25, 1 + x.n % 8, 0, x.yr,
       CONCAT('LCBP3-C', 1 + x.n % 4, '-R', LPAD(x.n, 7, '0'), '-', x.yr),
       x.st, IF(x.n % 9 = 0, NULL, 100 + x.n % 250), x.rat,
       IF(x.st = 'RESERVED' AND x.n % 20 = 8, TIMESTAMP'2099-12-31 23:59:59', x.rat + INTERVAL 15 MINUTE),
       IF(x.st = 'CONFIRMED', x.rat + INTERVAL 5 MINUTE, NULL),
       IF(x.st = 'CANCELLED', x.rat + INTERVAL 15 MINUTE, NULL)
FROM (
    SELECT s.seq AS n,
           LOWER(CONCAT(LPAD(HEX(s.seq), 8, '0'), '-0000-4000-8000-', LPAD(HEX(s.seq * 7919), 12, '0'))) AS token,
           IF(s.seq % 5 = 0, 2024, 2025) AS yr,
           CASE WHEN s.seq % 10 IN (8, 9) THEN 'RESERVED' WHEN s.seq % 10 IN (6, 7) THEN 'CANCELLED'
                ELSE 'CONFIRMED' END AS st,
           TIMESTAMP'2025-03-01 09:00:00' + INTERVAL s.seq * 97 SECOND
               + INTERVAL (s.seq * 131) % 1000000 MICROSECOND AS rat
    FROM seq_1_to_100000000 s WHERE s.seq <= @lc_reservation_rows
) x;

-- ---------------------------------------------------------------------------------------
-- correspondences (long Thai text: consecutive paragraphs of the corpus, sliced by bytes)

INSERT INTO correspondences (id, document_number, subject, body, status, created_by, created_at)
SELECT s.seq,
       CONCAT('LCBP3-C', 1 + s.seq % 4, '-', ELT(1 + s.seq % 3, 'LTR', 'RFA', 'MOM'), '-', LPAD(s.seq, 7, '0')),
       CONCAT_WS(' ', w1.w, w2.w, w3.w, w4.w, w5.w, w6.w),
       CONVERT(SUBSTRING(@lc_corpus, a.byte_start + 1, b.byte_start - a.byte_start) USING utf8mb4),
       ELT(1 + s.seq % 5, 'DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED', 'CLOSED'),
       100 + s.seq % 250,
       TIMESTAMP'2023-01-02 08:00:00' + INTERVAL s.seq * 613 SECOND + INTERVAL (s.seq * 17) % 1000000 MICROSECOND
FROM seq_1_to_100000000 s
JOIN lc_para_off a ON a.id = (s.seq * 7919) % (1001 - @lc_body_paragraphs)
JOIN lc_para_off b ON b.id = a.id + @lc_body_paragraphs
JOIN lc_words w1 ON w1.id = (s.seq * 3) % @lc_nw
JOIN lc_words w2 ON w2.id = (s.seq * 5 + 1) % @lc_nw
JOIN lc_words w3 ON w3.id = (s.seq * 11 + 2) % @lc_nw
JOIN lc_words w4 ON w4.id = (s.seq DIV 2) % @lc_nw
JOIN lc_words w5 ON w5.id = (s.seq DIV 5 + 3) % @lc_nw
JOIN lc_words w6 ON w6.id = (s.seq DIV 13 + 9) % @lc_nw
WHERE s.seq <= @lc_correspondence_rows;

-- ---------------------------------------------------------------------------------------
-- attachments: every 4th one is UTF-8 text, the others "PDF" headers + incompressible bytes

INSERT INTO attachments (id, correspondence_id, file_name, mime_type, content, sha256, created_at)
SELECT y.n, y.cid, y.fname, y.mime, y.content, SHA2(y.content, 256), y.created
FROM (
    SELECT x.n, x.cid, x.fname, x.mime, x.created,
           IF(x.n % 4 = 0,
              SUBSTRING(@lc_corpus, a.byte_start + 1, b.byte_start - a.byte_start),
              CONCAT('%PDF-1.7\n%', x.n, '\n',
                     SUBSTRING(@lc_noise, 1 + (x.n * 104729) % (LENGTH(@lc_noise) - x.len), x.len))) AS content
    FROM (
        SELECT s.seq AS n,
               1 + s.seq % GREATEST(@lc_correspondence_rows, 1) AS cid,
               CONCAT('เอกสารแนบ-', LPAD(s.seq, 6, '0'), IF(s.seq % 4 = 0, '.txt', '.pdf')) AS fname,
               IF(s.seq % 4 = 0, 'text/plain; charset=utf-8', 'application/pdf') AS mime,
               @lc_attachment_bytes DIV 2 + (s.seq * 7919) % @lc_attachment_bytes AS len,
               LEAST(999, GREATEST(1, ROUND((@lc_attachment_bytes DIV 2 + (s.seq * 7919) % @lc_attachment_bytes) / @lc_para_avg))) AS paras,
               TIMESTAMP'2023-01-02 09:00:00' + INTERVAL s.seq * 1231 SECOND AS created
        FROM seq_1_to_100000000 s WHERE s.seq <= @lc_attachment_rows
    ) x
    JOIN lc_para_off a ON a.id = (x.n * 7919) % (1000 - x.paras)
    JOIN lc_para_off b ON b.id = a.id + x.paras
) y;

-- ---------------------------------------------------------------------------------------
-- type_zoo: six hand-made rows (0..5), then generated ones (100..)

SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO');

INSERT INTO type_zoo (id) VALUES (0);

INSERT INTO type_zoo (id, `order`, thai_text, emoji_text, latin1_text, trailing_sp, bin_blob, fixed_bin,
    var_bin, doc, doc_checked, uid, ip, created, zero_dt, ts, d, t, y, price, ratio, f, big, tiny,
    flags, status, tags, maybe_empty, secret_note)
VALUES
(1, 1, 'การท่าเรือแห่งประเทศไทย ท่าเรือแหลมฉบัง ระยะที่ 3', '🚢⚓ ท่าเรือ 🇹🇭 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'café crème brûlée',
    'ท่าเรือ   ', x'00275C0A0D1A00FF22', x'0102', x'61626320200000',
    '{"kind": "rfa", "title": "ขออนุมัติวัสดุ", "n": [1, 2.5, null, true], "nested": {"quote": "\\"q\\"", "back": "\\\\"}}',
    '{"kind": "check"}', 'a1b2c3d4-0000-4000-8000-000000000001', '2001:db8::1',
    '2025-01-15 08:30:00.123456', '0000-00-00 00:00:00', '2025-01-15 01:30:00.000001', '2025-01-15',
    '-838:59:59.000000', 2025, 12345678901234.123456, 0.1, 0.5, 18446744073709551615, -128,
    b'1010000001', 'RESERVED', 'urgent,ไทย', '', 'ซ่อน: invisible column'),
(2, 0, '', '', '', '', '', x'', '', '[]', NULL, '00000000-0000-0000-0000-000000000000', '::',
    '1000-01-01 00:00:00.000000', NULL, '2000-01-01 00:00:00', '1000-01-01', '838:59:59.999999', 1901,
    -0.000001, 1.7976931348623157e308, -2.75, 0, 127, b'0', 'CANCELLED', '', NULL, ''),
(3, -2147483648, 'it''s "quoted" \\ back\\slash; -- not a comment /* nor this */ `tick`', NULL, NULL, NULL,
    NULL, NULL, NULL, '{"kind": "ncr", "u": "\\u0e01\\u0e02", "big": 1e300, "neg": -0.0}', '{"kind": "x", "a": {}}',
    'ffffffff-ffff-ffff-ffff-ffffffffffff', '::ffff:192.0.2.1', '9999-12-31 23:59:59.999999', NULL,
    '2037-12-31 23:59:59.999999', '9999-12-31', '00:00:00.000001', 2155, 99999999999999.999999,
    4.9e-324, 1.2345678, 9223372036854775808, 0, b'1111111111', 'CONFIRMED', 'internal,external', 'x', NULL),
(4, 2147483647, CONCAT('line1', CHAR(10 USING utf8mb4), 'line2', CHAR(9 USING utf8mb4), 'tab',
    CHAR(13 USING utf8mb4), CHAR(0 USING utf8mb4), 'nul', CHAR(26 USING utf8mb4), 'ctrl-z'),
    'ก้ำ กิ่ง ฟ้ิ่', NULL, CONCAT('x', REPEAT(' ', 20)),
    NULL, x'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', x'00', NULL, NULL, NULL, '::1', NULL, NULL, NULL,
    NULL, '-00:00:00.000001', NULL, -99999999999999.999999, -4.9e-324, 0, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL),
(5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, 0.3333333333333333, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- row 4: a BLOB holding every byte value 0x00..0xFF once
UPDATE type_zoo SET bin_blob = (SELECT UNHEX(GROUP_CONCAT(LPAD(HEX(seq), 2, '0') ORDER BY seq SEPARATOR ''))
                                FROM seq_0_to_255) WHERE id = 4;

INSERT INTO type_zoo (id, `order`, thai_text, emoji_text, latin1_text, trailing_sp, bin_blob, fixed_bin,
    var_bin, doc, doc_checked, uid, ip, created, zero_dt, ts, d, t, y, price, ratio, f, big, tiny,
    flags, status, tags, maybe_empty, secret_note)
SELECT 99 + s.seq,
       IF(s.seq % 7 = 0, NULL, CAST(s.seq AS SIGNED) * 3 - 500),
       IF(s.seq % 11 = 0, NULL, IF(s.seq % 13 = 0, '', CONCAT_WS(' ', w1.w, w2.w, w3.w))),
       IF(s.seq % 5 = 0, CONCAT('🚢 ', s.seq, ' ⚓'), NULL),
       IF(s.seq % 3 = 0, CONCAT('café ', s.seq), NULL),
       CONCAT('x', REPEAT(' ', s.seq % 4)),
       IF(s.seq % 4 = 0, NULL, UNHEX(CONCAT(SHA2(s.seq, 256), '00', MD5(s.seq)))),
       UNHEX(LPAD(HEX(s.seq), 8, '0')),
       IF(s.seq % 6 = 0, '', UNHEX(MD5(s.seq))),
       IF(s.seq % 9 = 0, NULL, JSON_OBJECT('kind', ELT(1 + s.seq % 4, 'rfa', 'ltr', 'mom', 'ncr'), 'n', s.seq, 'th', w1.w)),
       IF(s.seq % 2 = 0, JSON_OBJECT('kind', 'gen', 'n', s.seq), NULL),
       IF(s.seq % 8 = 0, NULL, CONCAT(LEFT(MD5(s.seq), 8), '-', SUBSTR(MD5(s.seq), 9, 4), '-4', SUBSTR(MD5(s.seq), 14, 3),
                                      '-8', SUBSTR(MD5(s.seq), 18, 3), '-', SUBSTR(MD5(s.seq), 21, 12))),
       IF(s.seq % 10 = 0, NULL, IF(s.seq % 2 = 0, CONCAT('::ffff:192.0.2.', s.seq % 256), CONCAT('2001:db8::', LOWER(HEX(s.seq))))),
       TIMESTAMP'2024-01-01 00:00:00' + INTERVAL s.seq * 86399 SECOND + INTERVAL s.seq * 7 MICROSECOND,
       IF(s.seq % 50 = 0, '0000-00-00 00:00:00', NULL),
       TIMESTAMP'2024-06-01 12:00:00' + INTERVAL s.seq MINUTE + INTERVAL s.seq MICROSECOND,
       DATE(TIMESTAMP'2024-01-01 00:00:00' + INTERVAL s.seq * 86399 SECOND),
       SEC_TO_TIME(CAST(s.seq AS SIGNED) * 37 - 5000) + INTERVAL s.seq MICROSECOND,
       2000 + s.seq % 100,
       CAST(s.seq * 1234.567891 AS DECIMAL(20,6)) - 50000,
       IF(s.seq % 17 = 0, NULL, s.seq / 7e0),
       IF(s.seq % 3 = 0, NULL, s.seq / 3e0), -- FLOAT: the server prints only 6 digits
       s.seq * 1000003,
       CAST(s.seq % 256 AS SIGNED) - 128,
       s.seq % 1024,
       ELT(1 + s.seq % 4, 'RESERVED', 'CONFIRMED', 'CANCELLED', NULL),
       ELT(1 + s.seq % 5, '', 'urgent', 'internal,external', 'ไทย', NULL),
       CASE s.seq % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'x' END,
       IF(s.seq % 2 = 0, CONCAT('ลับ ', s.seq), NULL)
FROM seq_1_to_100000000 s
JOIN lc_words w1 ON w1.id = (s.seq * 7) % @lc_nw
JOIN lc_words w2 ON w2.id = (s.seq * 3 + 1) % @lc_nw
JOIN lc_words w3 ON w3.id = (s.seq DIV 4) % @lc_nw
WHERE s.seq <= @lc_zoo_rows;

SET SESSION sql_mode = @lc_saved_mode;

-- ---------------------------------------------------------------------------------------
-- type_zoo_by_year (partitioned)

INSERT INTO type_zoo_by_year (id, created_at, note, amount)
SELECT s.seq,
       IF(s.seq % 50 = 0, TIMESTAMP'2030-01-01 00:00:00', TIMESTAMP'2022-01-01 00:00:00')
           + INTERVAL (s.seq * 7919) % (4 * 365) DAY + INTERVAL (s.seq * 131) % 86400000000 MICROSECOND,
       IF(s.seq % 9 = 0, NULL, CONCAT(w1.w, ' ', s.seq)),
       IF(s.seq % 7 = 0, NULL, CAST((s.seq * 104729) % 10000000 AS DECIMAL(14,2)) / 100)
FROM seq_1_to_100000000 s
JOIN lc_words w1 ON w1.id = (s.seq * 11) % @lc_nw
WHERE s.seq <= @lc_by_year_rows;

-- ---------------------------------------------------------------------------------------

DROP TEMPORARY TABLE lc_words, lc_paragraphs, lc_para_off;
SET @lc_corpus = NULL, @lc_noise = NULL;
SET foreign_key_checks = @lc_saved_fk;
