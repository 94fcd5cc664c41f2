CREATE TABLE IF NOT EXISTS `__EFMigrationsHistory` (
    `MigrationId` varchar(150) CHARACTER SET utf8mb4 NOT NULL,
    `ProductVersion` varchar(32) CHARACTER SET utf8mb4 NOT NULL,
    CONSTRAINT `PK___EFMigrationsHistory` PRIMARY KEY (`MigrationId`)
) CHARACTER SET=utf8mb4;

START TRANSACTION;
DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124214224_InitialGateway') THEN

    ALTER DATABASE CHARACTER SET utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124214224_InitialGateway') THEN

    CREATE TABLE `request_ids` (
        `id` varchar(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `expires_at` datetime(6) NOT NULL,
        CONSTRAINT `pk_request_ids` PRIMARY KEY (`id`)
    ) CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124214224_InitialGateway') THEN

    CREATE TABLE `weixin_logins` (
        `id` varchar(43) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `state` varchar(43) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `return_url` varchar(2048) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
        `error_url` varchar(2048) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
        `created_at` datetime(6) NOT NULL,
        `expires_at` datetime(6) NOT NULL,
        `status` varchar(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `item_id` bigint NULL,
        `open_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `ticket_hash` char(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `ticket_expires_at` datetime(6) NULL,
        `redeemed_at` datetime(6) NULL,
        `error_code` varchar(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `completed_at` datetime(6) NULL,
        CONSTRAINT `pk_weixin_logins` PRIMARY KEY (`id`)
    ) CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124214224_InitialGateway') THEN

    CREATE TABLE `weixin_users` (
        `open_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `union_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `nickname` varchar(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
        `head_img_url` varchar(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
        `sex` int NOT NULL,
        `province` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
        `city` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
        `country` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
        `first_seen_at` datetime(6) NOT NULL,
        `last_seen_at` datetime(6) NOT NULL,
        `login_count` int NOT NULL,
        CONSTRAINT `pk_weixin_users` PRIMARY KEY (`open_id`)
    ) CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124214224_InitialGateway') THEN

    CREATE INDEX `ix_request_ids_expires_at` ON `request_ids` (`expires_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124214224_InitialGateway') THEN

    CREATE UNIQUE INDEX `ix_weixin_logins_state` ON `weixin_logins` (`state`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124214224_InitialGateway') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261124214224_InitialGateway', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124221211_Messages') THEN

    ALTER TABLE `weixin_users` ADD `subscribed` tinyint(1) NOT NULL DEFAULT FALSE;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124221211_Messages') THEN

    ALTER TABLE `weixin_users` ADD `subscribed_at` datetime(6) NULL;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124221211_Messages') THEN

    ALTER TABLE `weixin_users` ADD `unsubscribed_at` datetime(6) NULL;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124221211_Messages') THEN

    CREATE TABLE `access_tokens` (
        `app_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `token` varchar(512) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `expires_at` datetime(6) NOT NULL,
        `fetched_at` datetime(6) NOT NULL,
        CONSTRAINT `pk_access_tokens` PRIMARY KEY (`app_id`)
    ) CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124221211_Messages') THEN

    CREATE TABLE `weixin_messages` (
        `dedup_key` varchar(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `item_id` bigint NOT NULL,
        `correlation_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `open_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `msg_type` varchar(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `event` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `created_at` datetime(6) NOT NULL,
        `status` varchar(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `reply_xml` text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
        `replied_at` datetime(6) NULL,
        `delivery_item_id` bigint NULL,
        `delivered_via` varchar(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `delivered_at` datetime(6) NULL,
        `attempts` int NOT NULL,
        `next_attempt_at` datetime(6) NULL,
        `last_error` varchar(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
        CONSTRAINT `pk_weixin_messages` PRIMARY KEY (`dedup_key`)
    ) CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124221211_Messages') THEN

    CREATE INDEX `ix_weixin_messages_status_next_attempt_at` ON `weixin_messages` (`status`, `next_attempt_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124221211_Messages') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261124221211_Messages', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001653_PushOutbox') THEN

    CREATE TABLE `outbox_messages` (
        `id` bigint NOT NULL AUTO_INCREMENT,
        `idempotency_key` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `open_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `kind` varchar(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `payload` mediumtext CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
        `payload_hash` char(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `status` varchar(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `attempts` int NOT NULL,
        `next_attempt_at` datetime(6) NULL,
        `claimed_by` varchar(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
        `lease_until` datetime(6) NULL,
        `last_attempt_at` datetime(6) NULL,
        `in_flight_as` varchar(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `in_flight_since` datetime(6) NULL,
        `uncertain_since` datetime(6) NULL,
        `created_at` datetime(6) NOT NULL,
        `sent_at` datetime(6) NULL,
        `last_err_code` int NULL,
        `last_error` varchar(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
        `weixin_msg_id` bigint NULL,
        `sent_as` varchar(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `correlation_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        CONSTRAINT `pk_outbox_messages` PRIMARY KEY (`id`)
    ) CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001653_PushOutbox') THEN

    CREATE UNIQUE INDEX `ix_outbox_messages_idempotency_key` ON `outbox_messages` (`idempotency_key`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001653_PushOutbox') THEN

    CREATE INDEX `ix_outbox_messages_last_attempt_at` ON `outbox_messages` (`last_attempt_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001653_PushOutbox') THEN

    CREATE INDEX `ix_outbox_messages_status_id` ON `outbox_messages` (`status`, `id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001653_PushOutbox') THEN

    CREATE INDEX `ix_outbox_messages_status_lease_until` ON `outbox_messages` (`status`, `lease_until`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001653_PushOutbox') THEN

    CREATE INDEX `ix_outbox_messages_status_next_attempt_at` ON `outbox_messages` (`status`, `next_attempt_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001653_PushOutbox') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261125001653_PushOutbox', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202012241_AccessTokenForcedAt') THEN

    ALTER TABLE `access_tokens` ADD `forced_at` datetime(6) NULL;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202012241_AccessTokenForcedAt') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261202012241_AccessTokenForcedAt', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202030205_ScanLogins') THEN

    CREATE TABLE `scan_logins` (
        `id` varchar(43) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `scene` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `state` varchar(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        `return_url` varchar(2048) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
        `created_at` datetime(6) NOT NULL,
        `expires_at` datetime(6) NOT NULL,
        `open_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
        `scan_item_id` bigint NULL,
        `scanned_at` datetime(6) NULL,
        `confirm_code` int NULL,
        `wrong_attempts` int NOT NULL,
        `confirmed_at` datetime(6) NULL,
        `ticket_issued_at` datetime(6) NULL,
        `correlation_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        CONSTRAINT `pk_scan_logins` PRIMARY KEY (`id`)
    ) CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202030205_ScanLogins') THEN

    CREATE INDEX `ix_scan_logins_open_id_state` ON `scan_logins` (`open_id`, `state`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202030205_ScanLogins') THEN

    CREATE UNIQUE INDEX `ix_scan_logins_scene` ON `scan_logins` (`scene`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202030205_ScanLogins') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261202030205_ScanLogins', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202042540_ScanLoginKind') THEN

    ALTER TABLE `scan_logins` ADD `kind` varchar(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'scan';

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202042540_ScanLoginKind') THEN

    CREATE INDEX `ix_scan_logins_expires_at` ON `scan_logins` (`expires_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202042540_ScanLoginKind') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261202042540_ScanLoginKind', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202073250_GatewayClientIds') THEN

    ALTER TABLE `weixin_logins` ADD `client_id` varchar(32) CHARACTER SET ascii COLLATE ascii_bin NULL;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202073250_GatewayClientIds') THEN

    ALTER TABLE `scan_logins` ADD `client_id` varchar(32) CHARACTER SET ascii COLLATE ascii_bin NULL;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202073250_GatewayClientIds') THEN

    ALTER TABLE `outbox_messages` ADD `client_id` varchar(32) CHARACTER SET ascii COLLATE ascii_bin NULL;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202073250_GatewayClientIds') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261202073250_GatewayClientIds', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

COMMIT;

