/**
 * The record's file operations as the helpers beside ClinicalRecord use them (consent, sync
 * conflicts, signing, proposals): named here, below ClinicalRecord, so those modules depend on this
 * interface and ClinicalRecord can use them without an import loop. ClinicalRecord implements it.
 */
import type { AuditAction, AuditLog } from "../audit/AuditLog";
import type { Clock } from "../clock";
import type { FileHeader } from "../crypto/fileformat";
import type { VaultStore } from "../store/VaultStore";
import type { RecordLayout } from "./layout";

export interface RecordEntry {
	recordPath: string;
	storePath: string;
	client: string;
}

export interface WrittenFile {
	fileId: string;
	path: string;
	action: AuditAction;
}

export type ReadPurpose = "open" | "internal";

export interface RecordFiles {
	readonly layout: RecordLayout;
	readonly store: VaultStore;
	readonly clock: Clock;
	readonly isUnlocked: boolean;
	readonly audit: AuditLog;
	exists(recordPath: string): Promise<boolean>;
	read(recordPath: string, purpose?: ReadPurpose): Promise<Uint8Array>;
	readCopy(storePath: string, recordPath: string, purpose?: ReadPurpose): Promise<{ header: FileHeader; plaintext: Uint8Array }>;
	readText(recordPath: string, purpose?: ReadPurpose): Promise<string>;
	header(recordPath: string): Promise<FileHeader>;
	write(recordPath: string, data: Uint8Array, options?: { action?: AuditAction }): Promise<WrittenFile>;
	writeTextIf(recordPath: string, expected: string, text: string, options?: { action?: AuditAction }): Promise<WrittenFile | "missing" | "changed">;
	writeText(recordPath: string, text: string, options?: { action?: AuditAction }): Promise<WrittenFile>;
	createText(recordPath: string, text: string, options?: { action?: AuditAction }): Promise<WrittenFile | "exists">;
	remove(recordPath: string, options?: { note?: string }): Promise<void>;
	eraseCopy(storePath: string, recordPath: string, expected: Uint8Array): Promise<void>;
	list(options?: { client?: string }): Promise<RecordEntry[]>;
}
