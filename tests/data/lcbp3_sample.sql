-- lcbp3-ops dump (routines) of MariaDB 10.11.19-MariaDB-0+deb12u1-log
SET NAMES utf8mb4;
SET time_zone='+00:00';
SET foreign_key_checks=0;
SET unique_checks=0;
SET check_constraint_checks=0;
SET sql_mode='NO_AUTO_VALUE_ON_ZERO';
SET SESSION sql_mode='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION';
DROP FUNCTION IF EXISTS `fn_format_document_number`;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` FUNCTION `fn_format_document_number`(p_template VARCHAR(255), p_year SMALLINT UNSIGNED,
                                          p_value INT UNSIGNED) RETURNS varchar(100) CHARSET utf8mb4 COLLATE utf8mb4_general_ci
    NO SQL
    DETERMINISTIC
    COMMENT '‡∏à‡∏±‡∏î‡∏£‡∏π‡∏õ‡πÅ‡∏ö‡∏ö‡πÄ‡∏•‡∏Ç‡∏ó‡∏µ‡πà‡πÄ‡∏≠‡∏Å‡∏™‡∏≤‡∏£'
BEGIN
    RETURN REPLACE(REPLACE(p_template, '{YEAR}', p_year), '{SEQ:4}', LPAD(p_value, 4, '0'));
END
;;
DELIMITER ;
SET SESSION sql_mode='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION';
DROP PROCEDURE IF EXISTS `sp_generate_document_number`;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` PROCEDURE `sp_generate_document_number`(IN p_config_id INT UNSIGNED,
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
                JSON_OBJECT('source', 'procedure', 'attempts', v_attempt, 'remark', '‡∏™‡∏£‡πâ‡∏≤‡∏á‡πÄ‡∏•‡∏Ç‡∏ó‡∏µ‡πà‡πÄ‡∏≠‡∏Å‡∏™‡∏≤‡∏£'),
                NULL, NOW(6));
END
;;
DELIMITER ;
SET SESSION sql_mode='NO_AUTO_VALUE_ON_ZERO';
-- lcbp3-ops dump (triggers) of MariaDB 10.11.19-MariaDB-0+deb12u1-log
SET NAMES utf8mb4;
SET time_zone='+00:00';
SET foreign_key_checks=0;
SET unique_checks=0;
SET check_constraint_checks=0;
SET sql_mode='NO_AUTO_VALUE_ON_ZERO';
SET SESSION sql_mode='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION';
DROP TRIGGER IF EXISTS `trg_type_zoo_bi`;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` TRIGGER trg_type_zoo_bi BEFORE INSERT ON type_zoo FOR EACH ROW
BEGIN
    SET NEW.insert_count = NEW.insert_count + 1;
END
;;
DELIMITER ;
SET SESSION sql_mode='NO_AUTO_VALUE_ON_ZERO';
-- lcbp3-ops dump (events) of MariaDB 10.11.19-MariaDB-0+deb12u1-log
SET NAMES utf8mb4;
SET time_zone='+00:00';
SET foreign_key_checks=0;
SET unique_checks=0;
SET check_constraint_checks=0;
SET sql_mode='NO_AUTO_VALUE_ON_ZERO';
SET SESSION sql_mode='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION';
SET SESSION time_zone='SYSTEM';
DROP EVENT IF EXISTS `ev_expire_reservations`;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` EVENT `ev_expire_reservations` ON SCHEDULE EVERY 1 MINUTE STARTS '2025-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE COMMENT '‡∏¢‡∏Å‡πÄ‡∏•‡∏¥‡∏Å‡∏Å‡∏≤‡∏£‡∏à‡∏≠‡∏á‡∏ó‡∏µ‡πà‡∏´‡∏°‡∏î‡∏≠‡∏≤‡∏¢‡∏∏ (disabled: lcbp3-reservations-gc does thi' DO UPDATE document_number_reservations
           SET status = 'CANCELLED'
           WHERE status = 'RESERVED' AND expires_at < NOW(6)
;;
DELIMITER ;
SET SESSION time_zone='+00:00';
SET SESSION sql_mode='NO_AUTO_VALUE_ON_ZERO';
-- lcbp3-ops dump (table data) of MariaDB 10.11.19-MariaDB-0+deb12u1-log
SET NAMES utf8mb4;
SET time_zone='+00:00';
SET foreign_key_checks=0;
SET unique_checks=0;
SET check_constraint_checks=0;
SET sql_mode='NO_AUTO_VALUE_ON_ZERO';
INSERT INTO `type_zoo` (`id`,`order`,`thai_text`,`emoji_text`,`latin1_text`,`trailing_sp`,`bin_blob`,`fixed_bin`,`var_bin`,`doc`,`doc_checked`,`uid`,`ip`,`created`,`zero_dt`,`ts`,`d`,`t`,`y`,`price`,`ratio`,`f`,`big`,`tiny`,`flags`,`status`,`tags`,`maybe_empty`,`secret_note`,`insert_count`) VALUES (0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1),(1,1,'‡∏Å‡∏≤‡∏£‡∏ó‡πà‡∏≤‡πÄ‡∏£‡∏∑‡∏≠‡πÅ‡∏´‡πà‡∏á‡∏õ‡∏£‡∏∞‡πÄ‡∏ó‡∏®‡πÑ‡∏ó‡∏¢ ‡∏ó‡πà‡∏≤‡πÄ‡∏£‡∏∑‡∏≠‡πÅ‡∏´‡∏•‡∏°‡∏â‡∏ö‡∏±‡∏á ‡∏£‡∏∞‡∏¢‡∏∞‡∏ó‡∏µ‡πà 3','üö¢‚öì ‡∏ó‡πà‡∏≤‡πÄ‡∏£‡∏∑‡∏≠ üáπüá≠ ùîòùî´ùî¶ùî†ùî¨ùî°ùî¢','caf√© cr√®me br√ªl√©e','‡∏ó‡πà‡∏≤‡πÄ‡∏£‡∏∑‡∏≠   ',_binary'\0\'\\\n\r\Z\0ˇ\"',_binary'\0\0\0\0\0\0\0\0\0\0\0\0\0\0',_binary'abc  \0\0','{\"kind\": \"rfa\", \"title\": \"‡∏Ç‡∏≠‡∏≠‡∏ô‡∏∏‡∏°‡∏±‡∏ï‡∏¥‡∏ß‡∏±‡∏™‡∏î‡∏∏\", \"n\": [1, 2.5, null, true], \"nested\": {\"quote\": \"\\\"q\\\"\", \"back\": \"\\\\\"}}','{\"kind\": \"check\"}','a1b2c3d4-0000-4000-8000-000000000001','2001:db8::1','2025-01-15 08:30:00.123456','0000-00-00 00:00:00','2025-01-15 01:30:00.000001','2025-01-15','-838:59:59.000000',2025,12345678901234.123456,0.1,0.5,18446744073709551615,-128,b'0000001010000001','RESERVED','urgent,‡πÑ‡∏ó‡∏¢','','‡∏ã‡πà‡∏≠‡∏ô: invisible column',1),(2,0,'','','','',_binary'',_binary'\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0',_binary'','[]',NULL,'00000000-0000-0000-0000-000000000000','::','1000-01-01 00:00:00.000000',NULL,'2000-01-01 00:00:00.000000','1000-01-01','838:59:59.999999',1901,-0.000001,1.7976931348623157e308,-2.75,0,127,b'0000000000000000','CANCELLED','',NULL,'',1),(3,-2147483648,'it\'s \"quoted\" \\ back\\slash; -- not a comment /* nor this */ `tick`',NULL,NULL,NULL,NULL,NULL,NULL,'{\"kind\": \"ncr\", \"u\": \"\\u0e01\\u0e02\", \"big\": 1e300, \"neg\": -0.0}','{\"kind\": \"x\", \"a\": {}}','ffffffff-ffff-ffff-ffff-ffffffffffff','::ffff:192.0.2.1','9999-12-31 23:59:59.999999',NULL,'2037-12-31 23:59:59.999999','9999-12-31','00:00:00.000001',2155,99999999999999.999999,5e-324,15.75,9223372036854775808,0,b'0000001111111111','CONFIRMED','internal,external','x',NULL,1),(4,2147483647,'line1\nline2	tab\r\0nul\Zctrl-z','‡∏Å‡πâ‡∏≥ ‡∏Å‡∏¥‡πà‡∏á ‡∏ü‡πâ‡∏¥‡πà',NULL,'x                    ',_binary'\0	\n\r\Z !\"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»… ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ',_binary'ˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇˇ',_binary'\0',NULL,NULL,NULL,'::1',NULL,NULL,NULL,NULL,'-00:00:00.000001',NULL,-99999999999999.999999,-5e-324,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1);
-- lcbp3-ops dump (views) of MariaDB 10.11.19-MariaDB-0+deb12u1-log
SET NAMES utf8mb4;
SET time_zone='+00:00';
SET foreign_key_checks=0;
SET unique_checks=0;
SET check_constraint_checks=0;
SET sql_mode='NO_AUTO_VALUE_ON_ZERO';
CREATE OR REPLACE VIEW `v_sequence_utilization` AS SELECT 1 AS `config_id`,1 AS `template`,1 AS `year`,1 AS `current_value`,1 AS `max_value`,1 AS `utilization_pct`;
CREATE OR REPLACE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v_sequence_utilization` AS select `c`.`id` AS `config_id`,`c`.`template` AS `template`,`s`.`year` AS `year`,`s`.`current_value` AS `current_value`,`c`.`max_value` AS `max_value`,round(100 * `s`.`current_value` / `c`.`max_value`,2) AS `utilization_pct` from (`document_numbering_sequences` `s` join `document_numbering_configs` `c` on(`c`.`id` = `s`.`config_id`));
