package analyze

import (
	"strings"

	"github.com/iamtailor/iamtailor/analyze/catalog"
)

// What a call that creates resources is authorized against.
//
// IAM authorizes a create call against every resource it touches, and a
// policy that leaves one out fails the call in production. The Service
// Authorization Reference marks a resource type of an action "required"
// only when every form of the call evaluates it, which leaves out three
// kinds that the event cannot name but the call needs all the same:
//
//  1. What the call creates, in some forms only: RunInstances creates the
//     root volume of an EBS-backed AMI (nearly every launch) and a network
//     interface unless the request attaches an existing one. The event does
//     not say which AMI kind it was, and the new IDs do not exist before
//     the call.
//  2. What the service picks when the request names none: the default
//     option and parameter groups of CreateDBInstance, the default VPC's
//     security group of CreateNetworkInterface.
//  3. What a launch template names: its key pair, placement group,
//     capacity reservation and snapshots are authorized as if the request
//     named them, and the event shows only the template.
//
// So, for an action that creates resources (isCreateLike), a resource type
// the event does not name is covered when it is required, when the action
// creates it (createsType: the tag-on-create types, or the type its name
// ends with), or when evaluatedTypes lists it and the row shows its
// condition. It is then covered in the request's account and region: by
// the default's name where the service's default has a known form, else
// by any resource of the type, with a note saying why. The resources the
// event does name are used as they are; nothing is covered in another
// account, and an image or snapshot, whose ARN has no account, is covered
// in the region only.
//
// TestCreateCallsCoverEvaluatedTypes maps each listed call with no
// identifying parameters and checks that every such type is covered.

// evaluatedType is one resource type IAM evaluates for a call beyond those
// the catalog marks required.
type evaluatedType struct {
	typ string
	// when restricts it to rows that show the condition; zero: always.
	when condition
	// name, when set, is what the service picks when the request names no
	// resource of the type: it fills the type's ARN template ("default*").
	name string
	// note says why a resource the event does not name is covered.
	note string
	// created: the call creates it (its ID does not exist before the call).
	created bool
}

// Why a resource the event does not name is covered.
const (
	noteEBSVolume        = "an EBS-backed launch creates its root volume (and any in the block device mapping); the event does not show the new volume IDs: any volume in this account and region"
	noteTemplateName     = "the request names its launch template by name, and the template's ARN takes its ID: any launch template in this account and region"
	noteTemplateResource = "the launch template may name a %s, authorized as if the request named it; the event does not show the template's contents: any %s in this account and region"
	noteTemplateSnapshot = "the launch template's block device mapping may name a snapshot, authorized as if the request named it; the event does not show the template's contents: any snapshot in this region"
	notePlacementGroupID = "the request names its placement group by ID, and the group's ARN takes its name: any placement group in this account and region"
	noteSpotRequest      = "a Spot launch creates a Spot Instance request, whose ID does not exist before the call: any spot-instances-request in this account and region"
	noteElasticGPU       = "the launch attaches an Elastic GPU, created by the call: any elastic-gpu in this account and region"
	noteRDSDefault       = "RDS evaluates the default %s when the request names none: the default ones in this account and region"
	noteDefaultSG        = "the request names no security group, so the network interface gets its VPC's default group, which the event does not name: any security group in this account and region"
	noteDefaultVPC       = "the request names no VPC, so the group is created in the default VPC, which the event does not name: any VPC in this account and region"
)

// launchTemplate holds for a row whose request names a launch template.
var launchTemplate = condition{segment: "launchTemplate"}

// evaluatedTypes, by catalog action. The EC2 entries follow the EC2 User
// Guide ("Launch instances (RunInstances)": an EBS-backed AMI creates a
// volume; a launch template's resources need the same permissions as the
// request's own) and the API reference of each call (what it uses when the
// request names none); the RDS ones its User Guide's example policy "Allow
// a user to create DB instances", which grants rds:CreateDBInstance on
// og:default*, pg:default* and subgrp:default for a request that names
// none.
var evaluatedTypes = map[string][]evaluatedType{
	"ec2:RunInstances": {
		{typ: "volume", note: noteEBSVolume},
		{typ: "launch-template", when: launchTemplate, note: noteTemplateName},
		{typ: "key-pair", when: launchTemplate, note: strings.ReplaceAll(noteTemplateResource, "%s", "key pair")},
		{typ: "placement-group", when: launchTemplate, note: strings.ReplaceAll(noteTemplateResource, "%s", "placement group")},
		{typ: "capacity-reservation", when: launchTemplate, note: strings.ReplaceAll(noteTemplateResource, "%s", "capacity reservation")},
		{typ: "snapshot", when: launchTemplate, note: noteTemplateSnapshot},
		{typ: "placement-group", when: condition{param: "placement.groupId"}, note: notePlacementGroupID},
		{typ: "spot-instances-request", when: condition{param: "instanceMarketOptions.marketType", valueIs: "spot"}, note: noteSpotRequest, created: true},
		{typ: "spot-instances-request", when: condition{segment: "spotOptions"}, note: noteSpotRequest, created: true},
		{typ: "elastic-gpu", when: condition{segment: "elasticGpuSpecification|elasticGpuSpecificationSet"}, note: noteElasticGPU, created: true},
	},
	"ec2:CreateNetworkInterface": {
		{typ: "security-group", note: noteDefaultSG},
	},
	"ec2:CreateSecurityGroup": {
		{typ: "vpc", note: noteDefaultVPC},
	},
	"rds:CreateDBInstance": {
		{typ: "og", name: "default*", note: strings.ReplaceAll(noteRDSDefault, "%s", "option group")},
		{typ: "pg", name: "default*", note: strings.ReplaceAll(noteRDSDefault, "%s", "parameter group")},
		{typ: "subgrp", name: "default", note: strings.ReplaceAll(noteRDSDefault, "%s", "DB subnet group")},
	},
}

// evaluated returns the entry of evaluatedTypes for an action's resource
// type whose condition the row shows.
func (c *rowCtx) evaluated(a *catalog.Action, typ string) (evaluatedType, bool) {
	for _, e := range evaluatedTypes[a.FullName()] {
		if e.typ == typ && c.holds(e.when) {
			return e, true
		}
	}
	return evaluatedType{}, false
}

// uncovered decides how a resource type the event does not name is covered
// for a create-like action: required types, the types it creates, and the
// types evaluatedTypes lists. ok is false when it needs none (an optional
// type the request did not use); missing is true when it needs one that
// cannot be built.
func (c *rowCtx) uncovered(a *catalog.Action, tt *typeTemplates) (b builtResource, ok, missing bool) {
	e, listed := c.evaluated(a, tt.rt.Name)
	created := createsType(a, tt.rt.Name) || listed && e.created
	if !tt.required && !created && !listed {
		return builtResource{}, false, false
	}
	fillWith := "*"
	if listed && e.name != "" {
		fillWith = e.name
	}
	b, built := c.fillAllVariables(tt, fillWith)
	if !built {
		return builtResource{}, false, true
	}
	switch {
	case created && (!listed || e.name == ""):
		b.created, b.specific = true, true
		b.note = strings.ReplaceAll(noteCreated, "%s", tt.rt.Name)
	case listed && e.name != "":
		// The service's default, named as narrowly as its known form
		// allows; not specific, since other defaults match too.
	default:
		b.note = strings.ReplaceAll(noteUnnamed, "%s", tt.rt.Name)
	}
	if listed && e.note != "" {
		b.note = e.note
	}
	if !templateHasAccount(tt) {
		b.note = strings.ReplaceAll(b.note, "in this account and region", "in this region")
	}
	return b, true, false
}

// templateHasAccount reports whether a resource type's ARN names an
// account (EC2 images and snapshots do not).
func templateHasAccount(tt *typeTemplates) bool {
	if len(tt.templates) == 0 {
		return false
	}
	for _, s := range tt.templates[0].segs {
		if s.variable != "" && (s.component == 4 || s.variable == "Account") {
			return true
		}
	}
	return false
}
