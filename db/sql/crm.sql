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
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

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
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE TABLE `accounts` (
        `id` int NOT NULL AUTO_INCREMENT,
        `user_name` varchar(32) CHARACTER SET utf8mb4 NOT NULL,
        `display_name` varchar(32) CHARACTER SET utf8mb4 NOT NULL,
        `password_hash` varchar(256) CHARACTER SET utf8mb4 NOT NULL,
        `weixin_open_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
        `weixin_nickname` varchar(64) CHARACTER SET utf8mb4 NULL,
        `weixin_head_img_url` varchar(512) CHARACTER SET utf8mb4 NULL,
        `weixin_bound_at` datetime(6) NULL,
        `failed_login_count` int NOT NULL,
        `lockout_ends_at` datetime(6) NULL,
        `created_at` datetime(6) NOT NULL,
        `last_login_at` datetime(6) NULL,
        CONSTRAINT `PK_accounts` PRIMARY KEY (`id`)
    ) CHARACTER SET=utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE TABLE `customers` (
        `id` int NOT NULL AUTO_INCREMENT,
        `name` varchar(32) CHARACTER SET utf8mb4 NOT NULL,
        `company` varchar(64) CHARACTER SET utf8mb4 NULL,
        `phone` varchar(20) CHARACTER SET utf8mb4 NULL,
        `owner_id` int NULL,
        `created_at` datetime(6) NOT NULL,
        CONSTRAINT `PK_customers` PRIMARY KEY (`id`),
        CONSTRAINT `fk_customers_owner` FOREIGN KEY (`owner_id`) REFERENCES `accounts` (`id`) ON DELETE SET NULL
    ) CHARACTER SET=utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE TABLE `follow_up_notes` (
        `id` bigint NOT NULL AUTO_INCREMENT,
        `customer_id` int NOT NULL,
        `author_id` int NOT NULL,
        `content` varchar(1000) CHARACTER SET utf8mb4 NOT NULL,
        `created_at` datetime(6) NOT NULL,
        CONSTRAINT `PK_follow_up_notes` PRIMARY KEY (`id`),
        CONSTRAINT `fk_follow_up_notes_author` FOREIGN KEY (`author_id`) REFERENCES `accounts` (`id`) ON DELETE RESTRICT,
        CONSTRAINT `fk_follow_up_notes_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE
    ) CHARACTER SET=utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE UNIQUE INDEX `ux_accounts_user_name` ON `accounts` (`user_name`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE UNIQUE INDEX `ux_accounts_weixin_open_id` ON `accounts` (`weixin_open_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE INDEX `ix_customers_name` ON `customers` (`name`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE INDEX `ix_customers_owner_id` ON `customers` (`owner_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE INDEX `IX_follow_up_notes_author_id` ON `follow_up_notes` (`author_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    CREATE INDEX `ix_follow_up_notes_customer_created` ON `follow_up_notes` (`customer_id`, `created_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124220958_InitialCrm') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261124220958_InitialCrm', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124224622_HookReplayGuard') THEN

    CREATE TABLE `request_ids` (
        `id` varchar(128) CHARACTER SET utf8mb4 NOT NULL,
        `expires_at` datetime(6) NOT NULL,
        CONSTRAINT `PK_request_ids` PRIMARY KEY (`id`)
    ) CHARACTER SET=utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124224622_HookReplayGuard') THEN

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
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261124224622_HookReplayGuard') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261124224622_HookReplayGuard', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE TABLE `follow_up_reminders` (
        `id` bigint NOT NULL AUTO_INCREMENT,
        `customer_id` int NOT NULL,
        `assignee_id` int NOT NULL,
        `created_by_id` int NOT NULL,
        `due_at` datetime(6) NOT NULL,
        `note` varchar(200) CHARACTER SET utf8mb4 NOT NULL,
        `created_at` datetime(6) NOT NULL,
        CONSTRAINT `PK_follow_up_reminders` PRIMARY KEY (`id`),
        CONSTRAINT `fk_follow_up_reminders_assignee` FOREIGN KEY (`assignee_id`) REFERENCES `accounts` (`id`) ON DELETE RESTRICT,
        CONSTRAINT `fk_follow_up_reminders_created_by` FOREIGN KEY (`created_by_id`) REFERENCES `accounts` (`id`) ON DELETE RESTRICT,
        CONSTRAINT `fk_follow_up_reminders_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE
    ) CHARACTER SET=utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE TABLE `weixin_notifications` (
        `id` bigint NOT NULL AUTO_INCREMENT,
        `kind` varchar(16) CHARACTER SET utf8mb4 NOT NULL,
        `idempotency_key` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        `customer_id` int NULL,
        `recipient_id` int NOT NULL,
        `sender_id` int NULL,
        `reminder_id` bigint NULL,
        `open_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
        `summary` varchar(500) CHARACTER SET utf8mb4 NOT NULL,
        `payload` text CHARACTER SET utf8mb4 NOT NULL,
        `status` varchar(16) CHARACTER SET utf8mb4 NOT NULL,
        `gateway_message_id` bigint NULL,
        `attempts` int NOT NULL,
        `last_error` varchar(500) CHARACTER SET utf8mb4 NULL,
        `created_at` datetime(6) NOT NULL,
        `updated_at` datetime(6) NOT NULL,
        `sent_at` datetime(6) NULL,
        `sent_as` varchar(32) CHARACTER SET utf8mb4 NULL,
        CONSTRAINT `PK_weixin_notifications` PRIMARY KEY (`id`),
        CONSTRAINT `fk_weixin_notifications_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL,
        CONSTRAINT `fk_weixin_notifications_recipient` FOREIGN KEY (`recipient_id`) REFERENCES `accounts` (`id`) ON DELETE RESTRICT,
        CONSTRAINT `fk_weixin_notifications_reminder` FOREIGN KEY (`reminder_id`) REFERENCES `follow_up_reminders` (`id`) ON DELETE SET NULL,
        CONSTRAINT `fk_weixin_notifications_sender` FOREIGN KEY (`sender_id`) REFERENCES `accounts` (`id`) ON DELETE RESTRICT
    ) CHARACTER SET=utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `IX_follow_up_reminders_assignee_id` ON `follow_up_reminders` (`assignee_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `IX_follow_up_reminders_created_by_id` ON `follow_up_reminders` (`created_by_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `ix_follow_up_reminders_customer_due` ON `follow_up_reminders` (`customer_id`, `due_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `ix_follow_up_reminders_due_at` ON `follow_up_reminders` (`due_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `ix_weixin_notifications_created_at` ON `weixin_notifications` (`created_at`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `IX_weixin_notifications_customer_id` ON `weixin_notifications` (`customer_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `IX_weixin_notifications_recipient_id` ON `weixin_notifications` (`recipient_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `IX_weixin_notifications_sender_id` ON `weixin_notifications` (`sender_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE INDEX `ix_weixin_notifications_status` ON `weixin_notifications` (`status`, `id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE UNIQUE INDEX `ux_weixin_notifications_idempotency_key` ON `weixin_notifications` (`idempotency_key`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    CREATE UNIQUE INDEX `ux_weixin_notifications_reminder_id` ON `weixin_notifications` (`reminder_id`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261125001137_FollowUpRemindersAndNotifications') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261125001137_FollowUpRemindersAndNotifications', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261201223006_DataProtectionKeys') THEN

    CREATE TABLE `data_protection_keys` (
        `id` int NOT NULL AUTO_INCREMENT,
        `friendly_name` varchar(128) CHARACTER SET utf8mb4 NULL,
        `xml` text CHARACTER SET utf8mb4 NOT NULL,
        CONSTRAINT `PK_data_protection_keys` PRIMARY KEY (`id`)
    ) CHARACTER SET=utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261201223006_DataProtectionKeys') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261201223006_DataProtectionKeys', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202042807_AccountDevices') THEN

    CREATE TABLE `account_devices` (
        `id` bigint NOT NULL AUTO_INCREMENT,
        `account_id` int NOT NULL,
        `device_hash` char(64) COLLATE ascii_bin NOT NULL,
        `label` varchar(64) CHARACTER SET utf8mb4 NOT NULL,
        `created_at` datetime(6) NOT NULL,
        `last_seen_at` datetime(6) NOT NULL,
        CONSTRAINT `PK_account_devices` PRIMARY KEY (`id`),
        CONSTRAINT `fk_account_devices_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE CASCADE
    ) CHARACTER SET=utf8mb4;

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202042807_AccountDevices') THEN

    CREATE UNIQUE INDEX `ux_account_devices_account_device` ON `account_devices` (`account_id`, `device_hash`);

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202042807_AccountDevices') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261202042807_AccountDevices', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202072205_RolesAndSecurityStamp') THEN

    ALTER TABLE `accounts` ADD `role` varchar(16) CHARACTER SET utf8mb4 NOT NULL DEFAULT 'sales';

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202072205_RolesAndSecurityStamp') THEN

    ALTER TABLE `accounts` ADD `security_stamp` varchar(32) CHARACTER SET utf8mb4 NOT NULL DEFAULT '';

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202072205_RolesAndSecurityStamp') THEN

    ALTER TABLE `accounts` ADD `status` varchar(16) CHARACTER SET utf8mb4 NOT NULL DEFAULT 'active';

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

DROP PROCEDURE IF EXISTS MigrationsScript;
DELIMITER //
CREATE PROCEDURE MigrationsScript()
BEGIN
    IF NOT EXISTS(SELECT 1 FROM `__EFMigrationsHistory` WHERE `MigrationId` = '20261202072205_RolesAndSecurityStamp') THEN

    INSERT INTO `__EFMigrationsHistory` (`MigrationId`, `ProductVersion`)
    VALUES ('20261202072205_RolesAndSecurityStamp', '9.0.23');

    END IF;
END //
DELIMITER ;
CALL MigrationsScript();
DROP PROCEDURE MigrationsScript;

COMMIT;

