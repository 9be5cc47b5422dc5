package objects

import "time"

// Persistent is nova's NovaPersistentObject: the bookkeeping columns of every
// database-backed object. Embed it (untagged) after an object's own fields.
type Persistent struct {
	CreatedAt Nullable[time.Time] `obj:"created_at"`
	UpdatedAt Nullable[time.Time] `obj:"updated_at"`
	DeletedAt Nullable[time.Time] `obj:"deleted_at"`
	Deleted   Field[bool]         `obj:"deleted,default=false"`
}
