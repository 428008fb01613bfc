package ingest

import (
	"encoding/binary"
	"math/bits"
)

// Object keys the parser acts on, as small integers so that dispatch is an
// integer switch. keyIDs maps them from their text with a perfect hash.
const (
	kUnknown uint8 = iota
	// event
	kEventVersion
	kEventID
	kUserIdentity
	kEventTime
	kAtTimestamp
	kEventSource
	kEventName
	kAwsRegion
	kRecipientAccountID
	kEventType
	kEventCategory
	kErrorCode
	kErrorMessage
	kSharedEventID
	kReadOnly
	kResources
	kRequestParameters
	kCloudTrailEvent
	kDetail
	kDetailType
	kRecords
	kEvents
	// userIdentity and the objects in it
	kType
	kArn
	kAccountID
	kPrincipalID
	kUserName
	kInvokedBy
	kIdentityProvider
	kSessionContext
	kSessionIssuer
	kWebIDFederationData
	kFederatedProvider
	kOnBehalfOf
	kUserID
	kIdentityStoreArn
	// resources[]
	kResourceARN
	kResourceARNPrefix
)

var keyNames = map[string]uint8{
	"eventVersion": kEventVersion, "eventID": kEventID, "userIdentity": kUserIdentity,
	"eventTime": kEventTime, "@timestamp": kAtTimestamp, "eventSource": kEventSource,
	"eventName": kEventName, "awsRegion": kAwsRegion, "recipientAccountId": kRecipientAccountID,
	"eventType": kEventType, "eventCategory": kEventCategory, "errorCode": kErrorCode,
	"errorMessage": kErrorMessage, "sharedEventID": kSharedEventID, "readOnly": kReadOnly,
	"resources": kResources, "requestParameters": kRequestParameters,
	"CloudTrailEvent": kCloudTrailEvent, "detail": kDetail, "detail-type": kDetailType,
	"Records": kRecords, "Events": kEvents,
	"type": kType, "arn": kArn, "accountId": kAccountID, "principalId": kPrincipalID,
	"userName": kUserName, "invokedBy": kInvokedBy, "identityProvider": kIdentityProvider,
	"sessionContext": kSessionContext, "sessionIssuer": kSessionIssuer,
	"webIdFederationData": kWebIDFederationData, "federatedProvider": kFederatedProvider,
	"onBehalfOf": kOnBehalfOf, "userId": kUserID, "identityStoreArn": kIdentityStoreArn,
	"ARN": kResourceARN, "ARNPrefix": kResourceARNPrefix,
}

// keyHash mixes a key's length, first 8 and last 8 bytes (head and tail,
// zero-extended for short keys) into 64 bits.
func keyHash(head, tail uint64, n int) uint64 {
	x := head ^ bits.RotateLeft64(tail, 29) ^ uint64(n)*0x9e3779b97f4a7c15
	x ^= x >> 31
	return x * 0xbf58476d1ce4e5b9
}

// keyHashBytes hashes the key b[:n]; b must extend at least 8 bytes past
// the key's start (the scanner's padding guarantees it).
func keyHashBytes(b []byte, n int) uint64 {
	head := binary.LittleEndian.Uint64(b)
	var tail uint64
	if n < 8 {
		head &= 1<<(8*uint(n)) - 1
	} else {
		tail = binary.LittleEndian.Uint64(b[n-8:])
	}
	return keyHash(head, tail, n)
}

func keyHashString(k string) uint64 {
	var buf [16]byte
	if len(k) < 8 {
		copy(buf[:], k)
		return keyHashBytes(buf[:], len(k))
	}
	return keyHashBytes([]byte(k), len(k))
}

// keyTable finds a key's id with one hash, one slot and one comparison.
type keyTable struct {
	mul  uint64
	keys [256]string
	ids  [256]uint8
}

var keyIDs = newKeyTable(keyNames)

func newKeyTable(names map[string]uint8) *keyTable {
	t := &keyTable{}
	for mul := uint64(0x9e3779b97f4a7c15); ; mul += 0x632be59bd9b4e019 {
		*t = keyTable{mul: mul | 1}
		ok := true
		for k, id := range names {
			h := t.slot(keyHashString(k))
			if t.keys[h] != "" {
				ok = false
				break
			}
			t.keys[h], t.ids[h] = k, id
		}
		if ok {
			return t
		}
	}
}

func (t *keyTable) slot(h uint64) uint8 { return uint8((h * t.mul) >> 56) }

// lookup returns the id of key, whose hash is h, or kUnknown.
func (t *keyTable) lookup(key string, h uint64) uint8 {
	i := t.slot(h)
	if t.keys[i] == key {
		return t.ids[i]
	}
	return kUnknown
}
