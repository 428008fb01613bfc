package analyze

import (
	"slices"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze/catalog"
)

const (
	ec2Src = "ec2.amazonaws.com"
	ec2Acc = "arn:aws:ec2:us-east-1:111122223333:"
)

// TestRunInstancesResources: every resource type ec2:RunInstances is
// authorized against is covered, named where the request names it, else
// the new or defaulted resource in the request's account and region.
func TestRunInstancesResources(t *testing.T) {
	// What every launch without an existing network interface touches
	// beyond what the cases add.
	base := func(extra ...string) []string {
		return append([]string{
			"ec2:RunInstances " + ec2Acc + "instance/*",
			"ec2:RunInstances " + ec2Acc + "volume/*",
		}, extra...)
	}
	cases := []struct {
		name string
		kv   []string
		want []string
	}{
		{
			// The Invictus corpus's stratus-red-team launches: an existing
			// network interface (its subnet and security group are
			// authorized too, and not named), an instance profile, tags on
			// the instance only.
			"existing network interface, instance profile, tags on the instance",
			[]string{"iamInstanceProfile.name", "stratus-profile", "instancesSet.items.imageId", "ami-029eb80bc237bec6f",
				"networkInterfaceSet.items.networkInterfaceId", "eni-06b7a305fe9519d03",
				"tagSpecificationSet.items.resourceType", "instance", "tagSpecificationSet.items.tags.key", "StratusRedTeam"},
			base(
				"ec2:RunInstances "+ec2Acc+"network-interface/eni-06b7a305fe9519d03",
				"ec2:RunInstances "+ec2Acc+"security-group/*",
				"ec2:RunInstances "+ec2Acc+"subnet/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-029eb80bc237bec6f",
				"ec2:CreateTags "+ec2Acc+"instance/* (companion)",
				"iam:PassRole * (companion)",
			),
		},
		{
			// The corpus's GPU launches into a subnet (vCPU limit).
			"subnet, no security group",
			[]string{"instancesSet.items.imageId", "ami-029eb80bc237bec6f", "subnetId", "subnet-096553f59d783f082"},
			base(
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/*",
				"ec2:RunInstances "+ec2Acc+"subnet/subnet-096553f59d783f082",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-029eb80bc237bec6f",
			),
		},
		{
			"tags without resource types tag every created type",
			[]string{"instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "groupSet.items.groupId", "sg-1", "tagSpecificationSet.items.tags.key", "team"},
			base(
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/sg-1",
				"ec2:RunInstances "+ec2Acc+"subnet/subnet-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
				"ec2:CreateTags "+ec2Acc+"instance/* (companion)",
				"ec2:CreateTags "+ec2Acc+"network-interface/* (companion)",
				"ec2:CreateTags "+ec2Acc+"volume/* (companion)",
			),
		},
		{
			"tags on the instance and its volumes",
			[]string{"instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "groupSet.items.groupId", "sg-1",
				"tagSpecificationSet.items.resourceType", "instance", "tagSpecificationSet.items.resourceType", "volume", "tagSpecificationSet.items.tags.key", "team"},
			base(
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/sg-1",
				"ec2:RunInstances "+ec2Acc+"subnet/subnet-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
				"ec2:CreateTags "+ec2Acc+"instance/* (companion)",
				"ec2:CreateTags "+ec2Acc+"volume/* (companion)",
			),
		},
		{
			"key pair, security groups, snapshot, placement group and capacity reservation named",
			[]string{"instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "keyName", "ops",
				"groupSet.items.groupId", "sg-1", "groupSet.items.groupId", "sg-2",
				"blockDeviceMapping.items.ebs.snapshotId", "snap-1", "placement.groupName", "hpc",
				"capacityReservationSpecification.capacityReservationTarget.capacityReservationId", "cr-1"},
			base(
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/sg-1",
				"ec2:RunInstances "+ec2Acc+"security-group/sg-2",
				"ec2:RunInstances "+ec2Acc+"subnet/subnet-1",
				"ec2:RunInstances "+ec2Acc+"key-pair/ops",
				"ec2:RunInstances "+ec2Acc+"placement-group/hpc",
				"ec2:RunInstances "+ec2Acc+"capacity-reservation/cr-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1::snapshot/snap-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
			),
		},
		{
			"placement group by ID",
			[]string{"instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "groupSet.items.groupId", "sg-1", "placement.groupId", "pg-0abc"},
			base(
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/sg-1",
				"ec2:RunInstances "+ec2Acc+"subnet/subnet-1",
				"ec2:RunInstances "+ec2Acc+"placement-group/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
			),
		},
		{
			// The template may hold the image, subnet, security groups, key
			// pair, placement group, capacity reservation and snapshots;
			// the event shows none of them.
			"launch template by ID",
			[]string{"launchTemplate.launchTemplateId", "lt-0abc"},
			base(
				"ec2:RunInstances "+ec2Acc+"launch-template/lt-0abc",
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/*",
				"ec2:RunInstances "+ec2Acc+"subnet/*",
				"ec2:RunInstances "+ec2Acc+"key-pair/*",
				"ec2:RunInstances "+ec2Acc+"placement-group/*",
				"ec2:RunInstances "+ec2Acc+"capacity-reservation/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::snapshot/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/*",
			),
		},
		{
			"launch template by name, overriding the image and subnet",
			[]string{"launchTemplate.launchTemplateName", "web", "instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "keyName", "ops"},
			base(
				"ec2:RunInstances "+ec2Acc+"launch-template/*",
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/*",
				"ec2:RunInstances "+ec2Acc+"subnet/subnet-1",
				"ec2:RunInstances "+ec2Acc+"key-pair/ops",
				"ec2:RunInstances "+ec2Acc+"placement-group/*",
				"ec2:RunInstances "+ec2Acc+"capacity-reservation/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::snapshot/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
			),
		},
		{
			"spot launch",
			[]string{"instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "groupSet.items.groupId", "sg-1", "instanceMarketOptions.marketType", "spot"},
			base(
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/sg-1",
				"ec2:RunInstances "+ec2Acc+"subnet/subnet-1",
				"ec2:RunInstances "+ec2Acc+"spot-instances-request/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
			),
		},
		{
			"capacity block launch is no spot request",
			[]string{"instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "groupSet.items.groupId", "sg-1", "instanceMarketOptions.marketType", "capacity-block"},
			base(
				"ec2:RunInstances "+ec2Acc+"network-interface/*",
				"ec2:RunInstances "+ec2Acc+"security-group/sg-1",
				"ec2:RunInstances "+ec2Acc+"subnet/subnet-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
			),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mapRowChecked(t, apiRow(ec2Src, "RunInstances", params(c.kv...)))
			if got := accessStrings(mp.Accesses); !equalStrings(got, c.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			for _, a := range mp.Accesses {
				if strings.HasSuffix(a.Resource, "*") && a.ResourceNote == "" && a.Action != "iam:PassRole" {
					t.Errorf("%s %s has no note saying why", a.Action, a.Resource)
				}
			}
		})
	}
}

// TestRunInstancesOtherPartition: an AMI owned by another account has no
// account in its ARN, and the partition follows the caller.
func TestRunInstancesOtherPartition(t *testing.T) {
	row := apiRow(ec2Src, "RunInstances", region("us-gov-west-1"), asUser("arn:aws-us-gov:iam::111122223333:user/ops"),
		params("instancesSet.items.imageId", "ami-0aws", "subnetId", "subnet-1", "groupSet.items.groupId", "sg-1"))
	gov := "arn:aws-us-gov:ec2:us-gov-west-1:111122223333:"
	want := []string{
		"ec2:RunInstances " + gov + "instance/*", "ec2:RunInstances " + gov + "volume/*",
		"ec2:RunInstances " + gov + "network-interface/*", "ec2:RunInstances " + gov + "security-group/sg-1",
		"ec2:RunInstances " + gov + "subnet/subnet-1", "ec2:RunInstances arn:aws-us-gov:ec2:us-gov-west-1::image/ami-0aws",
	}
	if got := accessStrings(mapRowChecked(t, row).Accesses); !equalStrings(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// TestCreateCallsResources: the other EC2 and RDS create calls of the
// corpora, each with every resource it is authorized against.
func TestCreateCallsResources(t *testing.T) {
	rds := "arn:aws:rds:us-east-1:111122223333:"
	cases := []struct {
		name, src, event string
		kv               []string
		want             []string
	}{
		{"CreateVolume", ec2Src, "CreateVolume", []string{"tagSpecificationSet.items.tags.key", "Name"},
			[]string{"ec2:CreateVolume " + ec2Acc + "volume/*", "ec2:CreateTags " + ec2Acc + "volume/* (companion)"}},
		{"CreateVolume from a snapshot", ec2Src, "CreateVolume", []string{"snapshotId", "snap-1"},
			[]string{"ec2:CreateVolume " + ec2Acc + "volume/*", "ec2:CreateVolume arn:aws:ec2:us-east-1::snapshot/snap-1"}},
		{"CreateSnapshot", ec2Src, "CreateSnapshot", []string{"volumeId", "vol-1", "tagSpecificationSet.items.tags.key", "k"},
			[]string{"ec2:CreateSnapshot " + ec2Acc + "volume/vol-1", "ec2:CreateSnapshot arn:aws:ec2:us-east-1::snapshot/*",
				"ec2:CreateTags arn:aws:ec2:us-east-1::snapshot/* (companion)"}},
		{"CreateNetworkInterface with no security group", ec2Src, "CreateNetworkInterface", []string{"subnetId", "subnet-1"},
			[]string{"ec2:CreateNetworkInterface " + ec2Acc + "network-interface/*", "ec2:CreateNetworkInterface " + ec2Acc + "subnet/subnet-1",
				"ec2:CreateNetworkInterface " + ec2Acc + "security-group/*"}},
		{"CreateNetworkInterface with a security group", ec2Src, "CreateNetworkInterface", []string{"subnetId", "subnet-1", "groupSet.items.groupId", "sg-1"},
			[]string{"ec2:CreateNetworkInterface " + ec2Acc + "network-interface/*", "ec2:CreateNetworkInterface " + ec2Acc + "subnet/subnet-1",
				"ec2:CreateNetworkInterface " + ec2Acc + "security-group/sg-1"}},
		{"CreateSecurityGroup in a VPC", ec2Src, "CreateSecurityGroup", []string{"groupName", "web", "vpcId", "vpc-1"},
			[]string{"ec2:CreateSecurityGroup " + ec2Acc + "security-group/*", "ec2:CreateSecurityGroup " + ec2Acc + "vpc/vpc-1"}},
		{"CreateSecurityGroup in the default VPC", ec2Src, "CreateSecurityGroup", []string{"groupName", "web"},
			[]string{"ec2:CreateSecurityGroup " + ec2Acc + "security-group/*", "ec2:CreateSecurityGroup " + ec2Acc + "vpc/*"}},
		{"AllocateAddress", ec2Src, "AllocateAddress", nil,
			[]string{"ec2:AllocateAddress " + ec2Acc + "elastic-ip/*"}},
		{"RegisterImage", ec2Src, "RegisterImage", []string{"name", "img", "blockDeviceMapping.items.ebs.snapshotId", "snap-1"},
			[]string{"ec2:RegisterImage arn:aws:ec2:us-east-1::image/*", "ec2:RegisterImage arn:aws:ec2:us-east-1::snapshot/snap-1"}},
		{"CreateNatGateway", ec2Src, "CreateNatGateway", []string{"CreateNatGatewayRequest.AllocationId", "eipalloc-1", "CreateNatGatewayRequest.SubnetId", "subnet-1"},
			[]string{"ec2:CreateNatGateway " + ec2Acc + "natgateway/*", "ec2:CreateNatGateway " + ec2Acc + "elastic-ip/eipalloc-1",
				"ec2:CreateNatGateway " + ec2Acc + "subnet/subnet-1"}},
		{"CreateDBInstance with defaults", "rds.amazonaws.com", "CreateDBInstance", []string{"dBInstanceIdentifier", "db1"},
			[]string{"rds:CreateDBInstance " + rds + "db:db1", "rds:CreateDBInstance " + rds + "og:default*",
				"rds:CreateDBInstance " + rds + "pg:default*", "rds:CreateDBInstance " + rds + "subgrp:default"}},
		{"CreateDBInstance with named groups", "rds.amazonaws.com", "CreateDBInstance",
			[]string{"dBInstanceIdentifier", "db1", "dBSubnetGroupName", "private", "dBParameterGroupName", "pg1", "optionGroupName", "og1"},
			[]string{"rds:CreateDBInstance " + rds + "db:db1", "rds:CreateDBInstance " + rds + "og:og1",
				"rds:CreateDBInstance " + rds + "pg:pg1", "rds:CreateDBInstance " + rds + "subgrp:private"}},
		{"CreateDBSnapshot", "rds.amazonaws.com", "CreateDBSnapshot", []string{"dBInstanceIdentifier", "db1", "dBSnapshotIdentifier", "s1"},
			[]string{"rds:CreateDBSnapshot " + rds + "db:db1", "rds:CreateDBSnapshot " + rds + "snapshot:s1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mapRowChecked(t, apiRow(c.src, c.event, params(c.kv...)))
			if got := accessStrings(mp.Accesses); !equalStrings(got, c.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// TestCreateCallsCoverEvaluatedTypes checks the mechanism of evaluated.go
// on every create call the mapper knows to create resources (the
// tag-on-create table) or lists in evaluatedTypes: mapped from a request
// that names nothing but what the conditions need, the call's own action
// has a resource of every type it needs (required by the catalog, created
// by the call, or listed), never "*" alone, and only resources in the
// request's account (or no account, for images and snapshots).
func TestCreateCallsCoverEvaluatedTypes(t *testing.T) {
	cat := catalog.Default()
	actions := map[string]bool{}
	for k := range tagOnCreate {
		actions[k] = true
	}
	for k := range evaluatedTypes {
		actions[k] = true
	}
	names := make([]string, 0, len(actions))
	for k := range actions {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			a, ok := cat.Action(name)
			if !ok {
				t.Fatalf("%s is not in the catalog", name)
			}
			if !isCreateLike(a) {
				t.Fatalf("%s does not create resources", name)
			}
			// One row per listed condition, and one with none.
			rows := [][]string{nil}
			for _, e := range evaluatedTypes[name] {
				switch {
				case e.when.param != "":
					v := "x"
					if e.when.valueIs != "" {
						v = e.when.valueIs
					}
					rows = append(rows, []string{strings.Split(e.when.param, "|")[0], v})
				case e.when.segment != "":
					rows = append(rows, []string{strings.Split(e.when.segment, "|")[0] + ".x", "x"})
				}
			}
			prefix, event, _ := strings.Cut(name, ":")
			src := prefix + ".amazonaws.com"
			for _, kv := range rows {
				row := apiRow(src, event, params(kv...))
				mp := mapRowChecked(t, row)
				var own []MappedAccess
				for _, ma := range mp.Accesses {
					if ma.Action == a.FullName() {
						own = append(own, ma)
					}
				}
				c := &rowCtx{row: &row}
				for _, ar := range a.Resources {
					typ := ar.Type.Name
					_, listed := c.evaluated(a, typ)
					if !ar.Required && !createsType(a, typ) && !listed {
						continue
					}
					found := false
					for _, ma := range own {
						if ma.Resource != "*" && slices.Contains(a.ResourceTypesFor(ma.Resource), ar.Type) {
							found = true
						}
					}
					if !found {
						t.Errorf("params %v: no resource of type %s among %v", kv, typ, accessStrings(own))
					}
				}
				for _, ma := range own {
					if ma.Resource == "*" {
						t.Errorf("params %v: %s on * (%s)", kv, ma.Action, ma.ResourceNote)
						continue
					}
					f := strings.SplitN(ma.Resource, ":", 6)
					if f[4] != "" && f[4] != testAccount || f[3] != "us-east-1" {
						t.Errorf("params %v: %s outside the request's account and region", kv, ma.Resource)
					}
				}
			}
		})
	}
}

// TestCorpusRunInstances maps the RunInstances events of the corpora and
// of testdata/logs and checks that each covers every resource type the
// call is authorized against for its form.
func TestCorpusRunInstances(t *testing.T) {
	cs := append(corpora(t), corpus{"fixtures", fixtureFiles(t)})
	seen := 0
	for _, c := range cs {
		for _, row := range corpusRows(t, c) {
			if row.EventName != "RunInstances" {
				continue
			}
			seen += int(row.Count)
			mp := mapRowChecked(t, row)
			types := map[string]bool{}
			for _, ma := range mp.Accesses {
				if ma.Action != "ec2:RunInstances" {
					continue
				}
				if ma.Resource == "*" {
					t.Errorf("%s: ec2:RunInstances on *: %s", c.name, ma.ResourceNote)
					continue
				}
				_, rest, _ := strings.Cut(strings.SplitN(ma.Resource, ":", 6)[5], "")
				typ, _, _ := strings.Cut(rest, "/")
				types[typ] = true
			}
			for _, need := range []string{"image", "instance", "network-interface", "security-group", "subnet", "volume"} {
				if !types[need] {
					t.Errorf("%s: RunInstances %v: no %s resource", c.name, row.Params, need)
				}
			}
			for _, p := range row.Params {
				if paramNameMatches(p.Name, "keyName", false) && !types["key-pair"] {
					t.Errorf("%s: RunInstances names key pair %s, not covered", c.name, p.Value)
				}
			}
		}
	}
	// Eight in the Invictus corpus, one in testdata/logs.
	if seen != 9 {
		t.Errorf("%d RunInstances events, want 9", seen)
	}
}
