/*M!999999\- enable the sandbox mode */ 
-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: lcbp3
-- ------------------------------------------------------
-- Server version	10.11.19-MariaDB-0+deb12u1

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Dumping routines for database 'lcbp3'
--
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION' */ ;
/*!50003 DROP FUNCTION IF EXISTS `fn_format_document_number` */;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` FUNCTION `fn_format_document_number`(p_template VARCHAR(255), p_year SMALLINT UNSIGNED,
                                          p_value INT UNSIGNED) RETURNS varchar(100) CHARSET utf8mb4 COLLATE utf8mb4_general_ci
    NO SQL
    DETERMINISTIC
    COMMENT 'จัดรูปแบบเลขที่เอกสาร'
BEGIN
    RETURN REPLACE(REPLACE(p_template, '{YEAR}', p_year), '{SEQ:4}', LPAD(p_value, 4, '0'));
END
;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION' */ ;
/*!50003 DROP PROCEDURE IF EXISTS `sp_generate_document_number` */;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
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
                JSON_OBJECT('source', 'procedure', 'attempts', v_attempt, 'remark', 'สร้างเลขที่เอกสาร'),
                NULL, NOW(6));
END
;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;

--
-- Table structure for table `type_zoo`
--

DROP TABLE IF EXISTS `type_zoo`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `type_zoo` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `order` int(11) DEFAULT NULL COMMENT 'reserved word as a column name',
  `thai_text` varchar(255) DEFAULT NULL,
  `emoji_text` text DEFAULT NULL,
  `latin1_text` varchar(100) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL,
  `trailing_sp` varchar(40) DEFAULT NULL,
  `bin_blob` blob DEFAULT NULL,
  `fixed_bin` binary(16) DEFAULT NULL,
  `var_bin` varbinary(64) DEFAULT NULL,
  `doc` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`doc`)),
  `doc_checked` longtext DEFAULT NULL,
  `uid` uuid DEFAULT NULL,
  `ip` inet6 DEFAULT NULL,
  `created` datetime(6) DEFAULT NULL,
  `zero_dt` datetime DEFAULT NULL,
  `ts` timestamp(6) NULL DEFAULT NULL,
  `d` date DEFAULT NULL,
  `t` time(6) DEFAULT NULL,
  `y` year(4) DEFAULT NULL,
  `price` decimal(20,6) DEFAULT NULL,
  `ratio` double DEFAULT NULL,
  `f` float DEFAULT NULL,
  `big` bigint(20) unsigned DEFAULT NULL,
  `tiny` tinyint(4) DEFAULT NULL,
  `flags` bit(10) DEFAULT NULL,
  `status` enum('RESERVED','CONFIRMED','CANCELLED') DEFAULT NULL,
  `tags` set('urgent','internal','external','ไทย') DEFAULT NULL,
  `maybe_empty` varchar(20) DEFAULT NULL,
  `secret_note` varchar(50) INVISIBLE DEFAULT NULL,
  `insert_count` int(11) NOT NULL DEFAULT 0 COMMENT 'incremented by trg_type_zoo_bi',
  `price_x2` decimal(22,6) GENERATED ALWAYS AS (`price` * 2) VIRTUAL,
  `thai_len` int(11) GENERATED ALWAYS AS (char_length(`thai_text`)) STORED,
  `doc_kind` varchar(32) GENERATED ALWAYS AS (json_value(`doc`,'$.kind')) VIRTUAL,
  PRIMARY KEY (`id`),
  KEY `ix_zoo_thai_len` (`thai_len`),
  KEY `ix_zoo_doc_kind` (`doc_kind`),
  CONSTRAINT `chk_zoo_doc_checked` CHECK (`doc_checked` is null or json_valid(`doc_checked`) and json_value(`doc_checked`,'$.kind') is not null),
  CONSTRAINT `chk_zoo_ratio` CHECK (`ratio` is null or `ratio` > -1e308)
) ENGINE=InnoDB AUTO_INCREMENT=300 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='สวนสัตว์ชนิดข้อมูล';
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `type_zoo`
--
-- WHERE:  id <= 3

LOCK TABLES `type_zoo` WRITE;
/*!40000 ALTER TABLE `type_zoo` DISABLE KEYS */;
INSERT INTO `type_zoo` (`id`, `order`, `thai_text`, `emoji_text`, `latin1_text`, `trailing_sp`, `bin_blob`, `fixed_bin`, `var_bin`, `doc`, `doc_checked`, `uid`, `ip`, `created`, `zero_dt`, `ts`, `d`, `t`, `y`, `price`, `ratio`, `f`, `big`, `tiny`, `flags`, `status`, `tags`, `maybe_empty`, `secret_note`, `insert_count`, `price_x2`, `thai_len`, `doc_kind`) VALUES (0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1,NULL,NULL,NULL),
(1,1,'การท่าเรือแห่งประเทศไทย ท่าเรือแหลมฉบัง ระยะที่ 3','🚢⚓ ท่าเรือ 🇹🇭 𝔘𝔫𝔦𝔠𝔬𝔡𝔢','café crème brûlée','ท่าเรือ   ','\0\'\\\n\r\Z\0�\"','\0\0\0\0\0\0\0\0\0\0\0\0\0\0','abc  \0\0','{\"kind\": \"rfa\", \"title\": \"ขออนุมัติวัสดุ\", \"n\": [1, 2.5, null, true], \"nested\": {\"quote\": \"\\\"q\\\"\", \"back\": \"\\\\\"}}','{\"kind\": \"check\"}','a1b2c3d4-0000-4000-8000-000000000001','2001:db8::1','2025-01-15 08:30:00.123456','0000-00-00 00:00:00','2025-01-15 01:30:00.000001','2025-01-15','-838:59:59.000000',2025,12345678901234.123456,0.1,0.5,18446744073709551615,-128,'�','RESERVED','urgent,ไทย','','ซ่อน: invisible column',1,24691357802468.246912,49,'rfa'),
(2,0,'','','','','','\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0','','[]',NULL,'00000000-0000-0000-0000-000000000000','::','1000-01-01 00:00:00.000000',NULL,'2000-01-01 00:00:00.000000','1000-01-01','838:59:59.999999',1901,-0.000001,1.7976931348623157e308,-2.75,0,127,'\0\0','CANCELLED','',NULL,'',1,-0.000002,0,NULL),
(3,-2147483648,'it\'s \"quoted\" \\ back\\slash; -- not a comment /* nor this */ `tick`',NULL,NULL,NULL,NULL,NULL,NULL,'{\"kind\": \"ncr\", \"u\": \"\\u0e01\\u0e02\", \"big\": 1e300, \"neg\": -0.0}','{\"kind\": \"x\", \"a\": {}}','ffffffff-ffff-ffff-ffff-ffffffffffff','::ffff:192.0.2.1','9999-12-31 23:59:59.999999',NULL,'2037-12-31 23:59:59.999999','9999-12-31','00:00:00.000001',2155,99999999999999.999999,5e-324,1.23457,9223372036854775808,0,'�','CONFIRMED','internal,external','x',NULL,1,199999999999999.999998,66,'ncr');
/*!40000 ALTER TABLE `type_zoo` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER trg_type_zoo_bi BEFORE INSERT ON type_zoo FOR EACH ROW
BEGIN
    SET NEW.insert_count = NEW.insert_count + 1;
END 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;

--
-- Table structure for table `document_number_reservations`
--

DROP TABLE IF EXISTS `document_number_reservations`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `document_number_reservations` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `token` char(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  `project_id` int(10) unsigned NOT NULL,
  `originator_id` int(10) unsigned NOT NULL,
  `correspondence_type_id` int(10) unsigned NOT NULL,
  `discipline_id` int(10) unsigned NOT NULL DEFAULT 0,
  `year` smallint(5) unsigned NOT NULL,
  `document_number` varchar(100) NOT NULL,
  `status` enum('RESERVED','CONFIRMED','CANCELLED') NOT NULL DEFAULT 'RESERVED',
  `reserved_by` int(10) unsigned DEFAULT NULL,
  `reserved_at` datetime(6) NOT NULL,
  `expires_at` datetime(6) NOT NULL,
  `confirmed_at` datetime(6) DEFAULT NULL,
  `cancelled_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_reservation_token` (`token`),
  UNIQUE KEY `uq_reservation_number` (`document_number`),
  KEY `ix_reservation_status_expiry` (`status`,`expires_at`)
) ENGINE=InnoDB AUTO_INCREMENT=121 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `document_number_reservations`
--
-- WHERE:  id <= 3

LOCK TABLES `document_number_reservations` WRITE;
/*!40000 ALTER TABLE `document_number_reservations` DISABLE KEYS */;
INSERT INTO `document_number_reservations` VALUES
(1,'00000001-0000-4000-8000-000000001eef',2,2,2,0,2025,'LCBP3-C2-R0000001-2025','CONFIRMED',101,'2025-03-01 09:01:37.000131','2025-03-01 09:16:37.000131','2025-03-01 09:06:37.000131',NULL),
(2,'00000002-0000-4000-8000-000000003dde',3,3,3,0,2025,'LCBP3-C3-R0000002-2025','CONFIRMED',102,'2025-03-01 09:03:14.000262','2025-03-01 09:18:14.000262','2025-03-01 09:08:14.000262',NULL),
(3,'00000003-0000-4000-8000-000000005ccd',4,4,4,0,2025,'LCBP3-C4-R0000003-2025','CONFIRMED',103,'2025-03-01 09:04:51.000393','2025-03-01 09:19:51.000393','2025-03-01 09:09:51.000393',NULL);
/*!40000 ALTER TABLE `document_number_reservations` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER trg_reservations_bu BEFORE UPDATE ON document_number_reservations FOR EACH ROW
BEGIN
    IF NEW.status = 'CANCELLED' AND OLD.status <> 'CANCELLED' AND NEW.cancelled_at IS NULL THEN
        SET NEW.cancelled_at = NOW(6);
    END IF;
END 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER trg_reservations_bd BEFORE DELETE ON document_number_reservations FOR EACH ROW
BEGIN
    SIGNAL SQLSTATE '45000'
        SET MESSAGE_TEXT = 'ห้ามลบการจองเลขที่: reservations are never deleted, set status CANCELLED';
END 
*/;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;

--
-- Table structure for table `document_numbering_sequences`
--

DROP TABLE IF EXISTS `document_numbering_sequences`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `document_numbering_sequences` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `config_id` int(10) unsigned NOT NULL,
  `year` smallint(5) unsigned NOT NULL COMMENT '0 when reset_scope = NONE',
  `current_value` int(10) unsigned NOT NULL DEFAULT 0,
  `last_generated_at` datetime(6) DEFAULT NULL,
  `version` int(10) unsigned NOT NULL DEFAULT 0 COMMENT 'optimistic locking',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_config_year` (`config_id`,`year`),
  CONSTRAINT `fk_sequences_config` FOREIGN KEY (`config_id`) REFERENCES `document_numbering_configs` (`id`) ON UPDATE CASCADE
) ENGINE=InnoDB AUTO_INCREMENT=65 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `document_numbering_sequences`
--
-- WHERE:  id <= 3

LOCK TABLES `document_numbering_sequences` WRITE;
/*!40000 ALTER TABLE `document_numbering_sequences` DISABLE KEYS */;
INSERT INTO `document_numbering_sequences` VALUES
(1,1,2023,4160,'2023-01-01 10:11:59.000131',4160),
(2,1,2024,1414,'2024-01-01 10:11:59.000131',1414),
(3,1,2025,9600,'2025-01-01 10:11:59.000131',9600);
/*!40000 ALTER TABLE `document_numbering_sequences` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Table structure for table `document_numbering_configs`
--

DROP TABLE IF EXISTS `document_numbering_configs`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `document_numbering_configs` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `project_id` int(10) unsigned NOT NULL,
  `originator_id` int(10) unsigned NOT NULL,
  `correspondence_type_id` int(10) unsigned NOT NULL,
  `discipline_id` int(10) unsigned NOT NULL DEFAULT 0 COMMENT '0 = any discipline',
  `template` varchar(255) NOT NULL COMMENT 'e.g. LCBP3-{ORG}-{TYPE}-{DISC}-{YEAR}-{SEQ:4}',
  `reset_scope` enum('YEARLY','NONE') NOT NULL DEFAULT 'YEARLY',
  `max_value` int(10) unsigned NOT NULL DEFAULT 9999,
  `description` varchar(500) DEFAULT NULL COMMENT 'คำอธิบาย (Thai)',
  `is_active` tinyint(1) NOT NULL DEFAULT 1,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_numbering_scope` (`project_id`,`originator_id`,`correspondence_type_id`,`discipline_id`)
) ENGINE=InnoDB AUTO_INCREMENT=25 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='รูปแบบเลขที่เอกสาร: numbering configuration per project/originator/type/discipline';
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `document_numbering_configs`
--
-- WHERE:  id <= 3

LOCK TABLES `document_numbering_configs` WRITE;
/*!40000 ALTER TABLE `document_numbering_configs` DISABLE KEYS */;
INSERT INTO `document_numbering_configs` VALUES
(1,1,1,1,0,'LCBP3-C1-O01-RFA-{YEAR}-{SEQ:4}','YEARLY',9999,'ขออนุมัติ โครงการท่าเรือแหลมฉบัง ระยะที่ 3 สัญญา C1',1,'2022-01-03 09:00:00.000000','2022-01-04 09:00:00.000137'),
(2,2,1,1,0,'LCBP3-C2-O01-RFA-{YEAR}-{SEQ:4}','YEARLY',9999,'ขออนุมัติ โครงการท่าเรือแหลมฉบัง ระยะที่ 3 สัญญา C2',1,'2022-01-03 10:00:00.000000','2022-01-05 10:00:00.000274'),
(3,3,1,1,0,'LCBP3-C3-O01-RFA-{YEAR}-{SEQ:4}','YEARLY',9999,'ขออนุมัติ โครงการท่าเรือแหลมฉบัง ระยะที่ 3 สัญญา C3',1,'2022-01-03 11:00:00.000000','2022-01-06 11:00:00.000411');
/*!40000 ALTER TABLE `document_numbering_configs` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Temporary table structure for view `v_sequence_utilization`
--

DROP TABLE IF EXISTS `v_sequence_utilization`;
/*!50001 DROP VIEW IF EXISTS `v_sequence_utilization`*/;
SET @saved_cs_client     = @@character_set_client;
SET character_set_client = utf8mb4;
/*!50001 CREATE VIEW `v_sequence_utilization` AS SELECT
 NULL AS `config_id`,
 NULL AS `template`,
 NULL AS `year`,
 NULL AS `current_value`,
 NULL AS `max_value`,
 NULL AS `utilization_pct` */;
SET character_set_client = @saved_cs_client;

--
-- Final view structure for view `v_sequence_utilization`
--

/*!50001 DROP VIEW IF EXISTS `v_sequence_utilization`*/;
/*!50001 SET @saved_cs_client          = @@character_set_client */;
/*!50001 SET @saved_cs_results         = @@character_set_results */;
/*!50001 SET @saved_col_connection     = @@collation_connection */;
/*!50001 SET character_set_client      = utf8mb4 */;
/*!50001 SET character_set_results     = utf8mb4 */;
/*!50001 SET collation_connection      = utf8mb4_general_ci */;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */
/*!50001 VIEW `v_sequence_utilization` AS select `c`.`id` AS `config_id`,`c`.`template` AS `template`,`s`.`year` AS `year`,`s`.`current_value` AS `current_value`,`c`.`max_value` AS `max_value`,round(100 * `s`.`current_value` / `c`.`max_value`,2) AS `utilization_pct` from (`document_numbering_sequences` `s` join `document_numbering_configs` `c` on(`c`.`id` = `s`.`config_id`)) */;
/*!50001 SET character_set_client      = @saved_cs_client */;
/*!50001 SET character_set_results     = @saved_cs_results */;
/*!50001 SET collation_connection      = @saved_col_connection */;

--
-- Dumping events for database 'lcbp3'
--
/*!50106 SET @save_time_zone= @@TIME_ZONE */ ;
/*!50106 DROP EVENT IF EXISTS `ev_expire_reservations` */;
DELIMITER ;;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;;
/*!50003 SET character_set_client  = utf8mb4 */ ;;
/*!50003 SET character_set_results = utf8mb4 */ ;;
/*!50003 SET collation_connection  = utf8mb4_general_ci */ ;;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;;
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION' */ ;;
/*!50003 SET @saved_time_zone      = @@time_zone */ ;;
/*!50003 SET time_zone             = 'SYSTEM' */ ;;
/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `ev_expire_reservations` ON SCHEDULE EVERY 1 MINUTE STARTS '2025-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE COMMENT 'ยกเลิกการจองที่หมดอายุ (disabled: lcbp3-reservations-gc does thi' DO UPDATE document_number_reservations
           SET status = 'CANCELLED'
           WHERE status = 'RESERVED' AND expires_at < NOW(6) 
*/ ;;
/*!50003 SET time_zone             = @saved_time_zone */ ;;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;;
/*!50003 SET character_set_client  = @saved_cs_client */ ;;
/*!50003 SET character_set_results = @saved_cs_results */ ;;
/*!50003 SET collation_connection  = @saved_col_connection */ ;;
DELIMITER ;
/*!50106 SET TIME_ZONE= @save_time_zone */ ;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-11-24  8:31:52
