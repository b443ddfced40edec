/** Shown with every export: the file leaves the encrypted record. */
export const UNENCRYPTED_WARNING =
	"The exported file is NOT encrypted: keep it somewhere safe, share it only as needed and delete it when it is no longer needed.";
